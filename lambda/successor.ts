import { callWithinDeadline } from './deadline';
import { ExplainedError } from './failure';
import type { Log } from './log';
import { SERVICE_TEXT, shorten } from '../lib/summary';

export interface SuccessorRequest {
  /** The stack's ARN, from the event: the only stack the handler's role may list. */
  readonly stackId: string;
  /** The resource being deleted. */
  readonly logicalId: string;
  readonly resourceType: string;
  /** Its physical id: the preferences ARN, which names the account and catalog. */
  readonly physicalId: string;
  readonly deadline: number;
  readonly log: Log;
}

/**
 * Another resource of the same stack that manages the same preferences, if any. A construct moved in the tree (or
 * renamed) gets a new logical id: CloudFormation creates the new resource, which writes the declared preferences,
 * then deletes the old one in the cleanup phase; with DESTROY that Delete would reset what its successor just wrote.
 * The successor has the same physical id, so the stack's resource list tells, without reading the template.
 */
export async function successorOf(request: SuccessorRequest): Promise<string | undefined> {
  // Loaded only here: a DESTROY Delete is rare, and the client stays out of every other invocation.
  const { CloudFormationClient, ListStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient({
    region: request.stackId.split(':')[3],
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  const started = Date.now();
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await callWithinDeadline('ListStackResources', request.deadline, (abortSignal) =>
        client.send(new ListStackResourcesCommand({ StackName: request.stackId, NextToken: nextToken }), { abortSignal }));
      pages += 1;
      const successor = page.StackResourceSummaries?.find((r) => r.ResourceType === request.resourceType && r.LogicalResourceId !== request.logicalId
        && r.PhysicalResourceId === request.physicalId && !r.ResourceStatus?.startsWith('DELETE_'));
      if (successor) {
        request.log('api call', { operation: 'ListStackResources', outcome: 'ok', pages, successor: successor.LogicalResourceId, durationMs: Date.now() - started });
        return successor.LogicalResourceId;
      }
      nextToken = page.NextToken;
    } while (nextToken);
    request.log('api call', { operation: 'ListStackResources', outcome: 'ok', pages, successor: null, durationMs: Date.now() - started });
    return undefined;
  } catch (e: any) {
    request.log('api call', { operation: 'ListStackResources', outcome: e.name, pages, durationMs: Date.now() - started });
    throw new ExplainedError(`Nothing was reset: could not tell whether another resource of the stack now manages these preferences `
      + `(ListStackResources failed: ${e.name}: ${shorten(e.message, SERVICE_TEXT)}). The handler's role needs cloudformation:ListStackResources on its stack.`, { cause: e });
  }
}

import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { SERVICE_TEXT, shorten } from '../lib/summary';
import { resolveTemplateValue, stackValuesOf } from '../lib/template-values';
import { callWithinDeadline } from './deadline';
import { ExplainedError } from './failure';
import type { Log } from './log';
import { parseTemplateBody } from './template-body';
import { constructPathOf, resourcesOfType } from './template-resources';

/** The stack as CloudFormation describes it, when the check starts and again before each write of a reconcile. */
export interface StackState {
  readonly stackName: string;
  readonly status: string;
  /** When the last stack operation began (LastUpdatedTime, or CreationTime if none): a deploy since changes it. */
  readonly changedAt: string;
  readonly parameters: Record<string, string>;
}

/** One ConnectionPreferences of the stack's deployed template, or why its properties cannot be read. */
export interface WatchedResource {
  readonly logicalId: string;
  /** The construct path, or the logical id. */
  readonly path: string;
  /** The catalog, when the template names one, also for a resource whose properties cannot be read. */
  readonly catalog?: string;
  readonly properties?: ConnectionPreferencesResourceProperties;
  readonly problem?: string;
}

/**
 * Statuses in which the deployed template is what the stack declares, and no deploy is writing: the stack's last
 * operation completed, or was rolled back completely to the template before it.
 */
const SETTLED_STATUS = /^(CREATE|UPDATE|UPDATE_ROLLBACK|IMPORT|IMPORT_ROLLBACK)_COMPLETE$/;

export function isSettled(state: StackState): boolean {
  return SETTLED_STATUS.test(state.status);
}

/**
 * The caller's own stack (the only one its role may describe): its state, and what its ConnectionPreferences declare,
 * read from the deployed template. That template changes in the same deploy as the resources, so there is no second
 * copy of the declaration to go stale.
 */
export class OwnStack {
  private readonly client: CloudFormationClient;

  /** `caller` names whose role reads the stack, in the reasons of failed calls: the monitor's, or the handler's. */
  constructor(readonly stackId: string, private readonly deadline: number, private readonly log: Log, private readonly caller: 'monitor' | 'handler' = 'monitor') {
    this.client = new CloudFormationClient({
      region: stackId.split(':')[3],
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  }

  async state(): Promise<StackState> {
    const { Stacks } = await this.call('DescribeStacks', (abortSignal) =>
      this.client.send(new DescribeStacksCommand({ StackName: this.stackId }), { abortSignal }));
    const stack = Stacks?.[0];
    if (!stack) throw new ExplainedError(`DescribeStacks returned no stack ${this.stackId}`);
    return {
      stackName: stack.StackName!,
      status: stack.StackStatus!,
      changedAt: (stack.LastUpdatedTime ?? stack.CreationTime)?.toISOString() ?? '',
      parameters: Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey!, p.ResolvedValue ?? p.ParameterValue ?? ''])),
    };
  }

  /** The ConnectionPreferences of the deployed template, their intrinsic functions resolved where the stack can tell. */
  async declaredResources(state: StackState): Promise<WatchedResource[]> {
    const { TemplateBody } = await this.call('GetTemplate', (abortSignal) =>
      this.client.send(new GetTemplateCommand({ StackName: this.stackId, TemplateStage: 'Original' }), { abortSignal }));
    let template: any;
    let resources: Record<string, ConnectionPreferencesResourceProperties>;
    try {
      template = parseTemplateBody(TemplateBody ?? '');
      resources = resourcesOfType(template);
    } catch (e) {
      throw new ExplainedError(`The deployed template of stack ${state.stackName} cannot be read: ${shorten((e as Error).message, SERVICE_TEXT)}. `
        + 'It is read as GetTemplate returns it, JSON or YAML.', { cause: e });
    }
    const parameterTypes = Object.fromEntries(Object.entries<any>(template.Parameters ?? {}).map(([name, p]) => [name, String(p?.Type)]));
    const values = stackValuesOf(this.stackId, state.parameters, parameterTypes);
    return Object.entries(resources).map(([logicalId, raw]) => {
      const path = constructPathOf(template, logicalId);
      const catalog = typeof raw.Catalog === 'string' ? raw.Catalog : undefined;
      try {
        return { logicalId, path, catalog, properties: resolveTemplateValue(raw, values) as ConnectionPreferencesResourceProperties };
      } catch (e) {
        return { logicalId, path, catalog, problem: `its properties cannot be read: ${(e as Error).message}` };
      }
    });
  }

  private async call<T>(operation: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const result = await callWithinDeadline(operation, this.deadline, send);
      this.log('api call', { operation, outcome: 'ok', durationMs: Date.now() - started });
      return result;
    } catch (e: any) {
      this.log('api call', { operation, outcome: e.name, durationMs: Date.now() - started });
      if (e instanceof ExplainedError) throw e;
      throw new ExplainedError(`CloudFormation ${operation} of the ${this.caller}'s own stack failed: ${e.name}: ${shorten(String(e.message), SERVICE_TEXT)}. `
        + `The ${this.caller}'s role needs cloudformation:DescribeStacks and cloudformation:GetTemplate on its stack.`, { cause: e });
    }
  }
}

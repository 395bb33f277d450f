import type { Log } from './log';
import { OwnStack } from './own-stack';
import { readProperties, ResourceSettings } from './properties';

export interface RestoreRequest {
  /** The stack's ARN, from the event. */
  readonly stackId: string;
  /** The resource being deleted, and the catalog it declared. */
  readonly logicalId: string;
  readonly catalog: string;
  /** The other resource of the stack with the same physical id (successor.ts). */
  readonly successor: string;
  readonly deadline: number;
  readonly log: Log;
}

/** The statuses in which CloudFormation deletes what a failed update created. */
const ROLLBACK_STATUS = /^UPDATE_ROLLBACK_(IN_PROGRESS|COMPLETE_CLEANUP_IN_PROGRESS)$/;

/**
 * A rollback's Delete whose preferences another resource of the stack manages: the failed deploy created this
 * resource for a construct moved or renamed in it, and wrote its declaration, while the old resource, never updated,
 * still declares its own, and the rollback sends it nothing. So this Delete writes that declaration back (decision
 * 0009), read from the template the stack rolls back to.
 *
 * Returns it, or none when the stack is not rolling back (a completed move: the successor wrote its own
 * declaration), or when the stack does not show that template; the log says why. Throws with the reason when the
 * stack cannot be read.
 */
export async function declarationToRestore(request: RestoreRequest): Promise<ResourceSettings | undefined> {
  const { log, successor } = request;
  const stack = new OwnStack(request.stackId, request.deadline, log, 'handler');
  const state = await stack.state();
  if (!ROLLBACK_STATUS.test(state.status)) return undefined;
  const declared = await stack.declaredResources(state);
  const leave = (why: string) => {
    log('decision', { outcome: 'nothing to restore', why, stackStatus: state.status });
    return undefined;
  };
  if (declared.some((r) => r.logicalId === request.logicalId)) {
    return leave(`CloudFormation still shows the failed deploy's template, which has this resource and not what ${successor} declared before it`);
  }
  const before = declared.find((r) => r.logicalId === successor);
  if (!before) return leave(`the stack's template does not declare ${successor}`);
  if (!before.properties) return leave(`${successor} ${before.problem}`);
  try {
    const settings = readProperties(before.properties);
    return settings.desired.catalog === request.catalog ? settings : leave(`${successor} declares the ${settings.desired.catalog} catalog, not ${request.catalog}`);
  } catch (e) {
    return leave(`${successor}: ${(e as Error).message}`);
  }
}

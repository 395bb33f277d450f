import type { Context } from 'aws-lambda';
import { DriftEventDetail, MONITOR_ENVIRONMENT, MONITOR_MODES, MonitorModeValue } from '../lib/monitor-contract';
import { accountOfRoleArn } from '../lib/preference-rules';
import { sessionNameOf } from './assume-role';
import { connect } from './connect';
import type { ConnectionPreferencesApi } from './connection-preferences-api';
import { converge, describeDifference, differenceOf, samePreferences } from './converge';
import { deadlineOf } from './deadline';
import { logFailure, reported } from './failure';
import { inOrderAtMost } from './in-order';
import { createLog, Log } from './log';
import { boundedDifference, logCheck, publishDriftEvent } from './monitor-report';
import { isSettled, OwnStack, StackState, WatchedResource } from './own-stack';
import { readProperties, type ResourceSettings } from './properties';

/** What a check found for one resource. */
export interface ResourceCheck {
  readonly resource: string;
  readonly logicalId: string;
  readonly account?: string;
  readonly catalog: string;
  readonly outcome: 'in sync' | 'drifted' | 'failed';
  readonly revision?: number;
  /** From the declaration to the live preferences, when drifted. */
  readonly difference?: string;
  readonly reconcile?: DriftEventDetail['reconcile'];
  /** Why the check failed. */
  readonly reason?: string;
}

/** What a check returns (for `connection-preferences check` and a test's Invoke; EventBridge ignores it). */
export interface CheckReport {
  readonly stack: string;
  readonly mode: MonitorModeValue;
  /** `checked`; `skipped` while a stack operation is in progress; `failed` when the stack could not be read. */
  readonly outcome: 'checked' | 'skipped' | 'failed';
  readonly stackStatus?: string;
  readonly reason?: string;
  readonly resources: ResourceCheck[];
}

/** Resources checked at once: a stack has a handful; this keeps a large one within the function's timeout. */
const CONCURRENCY = 10;

/**
 * The drift monitor's function, run on a schedule (and on CloudTrail's UpdateConnectionPreferences event with
 * detectOnChange): compares the live preferences of every ConnectionPreferences of its stack with what the deployed
 * template declares, with the handler's own comparison, and reports each as metrics (an EMF log line), a drift event,
 * and, in reconcile mode, restores the declaration with the deploy's conflict-safe converge. It never throws for a
 * failed check: a failure is a metric (CheckFailed) and a reason in the log, and the other resources are still checked.
 */
export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>): Promise<CheckReport> {
  const deadline = deadlineOf(context);
  const stackId = process.env[MONITOR_ENVIRONMENT.stackId] ?? '';
  const mode = process.env[MONITOR_ENVIRONMENT.mode] as MonitorModeValue;
  const stackName = stackId.split('/')[1] ?? stackId;
  const log = createLog({ requestId: context.awsRequestId, mode, trigger: (event as any)?.['detail-type'] ?? 'direct' });
  try {
    if (!stackId.startsWith('arn:') || !MONITOR_MODES.includes(mode)) {
      throw new Error(`the function's environment is not the construct's: ${MONITOR_ENVIRONMENT.stackId} ${JSON.stringify(stackId)}, `
        + `${MONITOR_ENVIRONMENT.mode} ${JSON.stringify(mode)} (allowed: ${MONITOR_MODES.join(', ')})`);
    }
    const stack = new OwnStack(stackId, deadline, log);
    const state = await stack.state();
    // A deploy (or rollback, or delete) may be writing: what differs now may be its work, not drift.
    if (/_IN_PROGRESS$/.test(state.status)) {
      log('check skipped', { stack: state.stackName, stackStatus: state.status, why: 'a stack operation is in progress; the next check will look' });
      return { stack: state.stackName, mode, outcome: 'skipped', stackStatus: state.status, resources: [] };
    }
    const watched = await stack.declaredResources(state);
    const check = new Check({ stack, state, mode, deadline, log });
    const resources = await inOrderAtMost(CONCURRENCY, watched, (resource) => check.resource(resource));
    return { stack: state.stackName, mode, outcome: 'checked', stackStatus: state.status, resources };
  } catch (e) {
    logFailure(log, e);
    const reason = reported(e).message;
    logCheck(log, 'check failed', { stack: stackName }, { checkFailed: 1 }, { stack: stackName, reason });
    return { stack: stackName, mode, outcome: 'failed', reason, resources: [] };
  }
}

interface CheckContext {
  readonly stack: OwnStack;
  /** The stack when the check read its template. */
  readonly state: StackState;
  readonly mode: MonitorModeValue;
  readonly deadline: number;
  readonly log: Log;
}

class Check {
  constructor(private readonly context: CheckContext) {}

  async resource(resource: WatchedResource): Promise<ResourceCheck> {
    const { state, mode, deadline } = this.context;
    const log: Log = (message, fields) => this.context.log(message, { logicalId: resource.logicalId, ...fields });
    const catalog = resource.catalog ?? 'unknown';
    const roleArn = resource.properties?.AssumeRoleArn;
    const base = { resource: resource.path, logicalId: resource.logicalId, catalog, account: (roleArn && accountOfRoleArn(roleArn)) || this.context.stack.stackId.split(':')[4] };
    const dimensions = { stack: state.stackName, account: base.account, catalog };
    try {
      if (resource.problem) throw new Error(resource.problem);
      const settings = readProperties(resource.properties!);
      const api = await connect(settings, { sessionName: sessionNameOf(this.context.stack.stackId, resource.logicalId, 'monitor.'), deadline, log, caller: 'the monitor\'s role' });
      const live = await api.read(settings.desired.catalog, 1);
      const checked = { ...base, account: live.arn.split(':')[4] || base.account, revision: live.revision };
      if (samePreferences(live, settings.desired)) {
        logCheck(log, 'check', { ...dimensions, account: checked.account }, { drifted: 0, checkFailed: 0 }, { ...checked, outcome: 'in sync' });
        return { ...checked, outcome: 'in sync' };
      }
      const changes = differenceOf(settings.desired, live);
      const difference = describeDifference(settings.desired, live);
      const reconcile = mode === 'reconcile' ? await this.reconcile(api, settings, log) : undefined;
      const detail: DriftEventDetail = {
        stack: state.stackName, stackId: this.context.stack.stackId, resource: resource.path, logicalId: resource.logicalId, account: checked.account,
        catalog, revision: live.revision, updatedAt: live.updatedAt, summary: difference, difference: boundedDifference(changes), mode,
        ...(reconcile && { reconcile }),
      };
      let published: string | undefined;
      try {
        await publishDriftEvent(detail, live.arn, deadline, log);
      } catch (e) {
        published = (e as Error).message;
      }
      const failed = published !== undefined || reconcile?.outcome === 'failed';
      const reason = [reconcile?.outcome === 'failed' ? reconcile.reason : undefined, published].filter(Boolean).join('; ') || undefined;
      // The log line keeps the whole difference; the event and the report a bounded one.
      logCheck(log, 'check', { ...dimensions, account: checked.account }, { drifted: 1, checkFailed: failed ? 1 : 0 }, {
        ...checked, outcome: 'drifted', difference, changes, ...(reconcile && { reconcile }), ...(reason && { reason }),
      });
      return { ...checked, outcome: 'drifted', difference, ...(reconcile && { reconcile }), ...(reason && { reason }) };
    } catch (e) {
      logFailure(log, e);
      const reason = reported(e).message;
      logCheck(log, 'check', dimensions, { checkFailed: 1 }, { ...base, outcome: 'failed', reason });
      return { ...base, outcome: 'failed', reason };
    }
  }

  /**
   * Writes the declaration with the deploy's converge (read, compare, write with the revision read, retry on
   * conflict). Before each write it asks CloudFormation whether the stack is still as the check read it: settled, and
   * no operation begun since. A deploy that starts later reads what this wrote and writes its own; one that wrote
   * in between makes this write conflict, and the next read finds the stack changed, so the monitor never undoes it.
   */
  private async reconcile(api: ConnectionPreferencesApi, settings: ResourceSettings, log: Log): Promise<DriftEventDetail['reconcile']> {
    const { stack, state, deadline } = this.context;
    let skipped: string | undefined;
    try {
      const written = await converge(api, settings.desired, {
        deadline, log, driftPolicy: 'overwrite',
        beforeWrite: async () => {
          const now = await stack.state();
          if (!isSettled(now)) skipped = `the stack is ${now.status}: its declaration is not settled, so nothing was written`;
          else if (now.changedAt !== state.changedAt) skipped = `the stack was deployed since the check read it (${now.status} at ${now.changedAt}); the next check compares with its new declaration`;
          if (skipped) throw new Error(skipped);
        },
      });
      log('reconcile', { outcome: 'restored', revision: written.revision });
      return { outcome: 'restored', revision: written.revision };
    } catch (e) {
      if (skipped) {
        log('reconcile', { outcome: 'skipped', why: skipped });
        return { outcome: 'skipped', reason: skipped };
      }
      logFailure(log, e);
      return { outcome: 'failed', reason: reported(e).message };
    }
  }
}

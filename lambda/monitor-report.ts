import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CHECK_FAILED_METRIC, DRIFT_DETAIL_TYPE, DRIFTED_METRIC, DriftEventDetail, EVENT_IDS_SHOWN, EVENT_SOURCE, METRIC_NAMESPACE,
  RESOURCE_DIMENSIONS, STACK_DIMENSION,
} from '../lib/monitor-contract';
import { SERVICE_TEXT, shorten } from '../lib/summary';
import type { Difference } from './converge';
import { callWithinDeadline } from './deadline';
import { ExplainedError } from './failure';
import type { Log } from './log';

/** What one check found, as metrics: Drifted is absent when the check failed before it could tell. */
export interface CheckMetrics {
  readonly drifted?: 0 | 1;
  readonly checkFailed: 0 | 1;
}

/**
 * Logs one JSON line that is also a CloudWatch Embedded Metric Format record: CloudWatch Logs turns its metrics into
 * CloudWatch metrics, with no PutMetricData call, and Logs Insights queries its other fields like any log line.
 * A resource's line has its account and catalog as dimensions, and the stack as a second dimension set, which the
 * construct's alarms watch; a line without account and catalog (the stack could not be read) has the stack only.
 */
export function logCheck(log: Log, message: string, dimensions: { stack: string; account?: string; catalog?: string }, metrics: CheckMetrics, fields: Record<string, unknown>): void {
  const perResource = dimensions.account !== undefined && dimensions.catalog !== undefined;
  const values: Record<string, number | undefined> = { [DRIFTED_METRIC]: metrics.drifted, [CHECK_FAILED_METRIC]: metrics.checkFailed };
  const names = Object.entries(values).filter(([, value]) => value !== undefined).map(([name]) => name);
  log(message, {
    ...fields,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: METRIC_NAMESPACE,
        Dimensions: perResource ? [[...RESOURCE_DIMENSIONS], [STACK_DIMENSION]] : [[STACK_DIMENSION]],
        Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
      }],
    },
    [STACK_DIMENSION]: dimensions.stack,
    ...(perResource && { [RESOURCE_DIMENSIONS[0]]: dimensions.account, [RESOURCE_DIMENSIONS[1]]: dimensions.catalog }),
    ...Object.fromEntries(names.map((name) => [name, values[name]])),
  });
}

/** An event's view of a difference: the first EVENT_IDS_SHOWN identifiers of each list, each shortened, and the counts. */
export function boundedDifference(changes: Difference): DriftEventDetail['difference'] {
  const shown = (ids: string[]) => ids.slice(0, EVENT_IDS_SHOWN).map((id) => shorten(id));
  return {
    ...(changes.accessType && { accessType: { declared: changes.accessType.from, live: changes.accessType.to } }),
    exclusionsAdded: shown(changes.exclusionsAdded),
    exclusionsAddedCount: changes.exclusionsAdded.length,
    exclusionsRemoved: shown(changes.exclusionsRemoved),
    exclusionsRemovedCount: changes.exclusionsRemoved.length,
  };
}

/**
 * Puts a drift event on the default bus of the monitor's account and region, for rules that route it (to SNS, chat,
 * a ticket). Its detail is bounded (boundedDifference), a few KB against EventBridge's 256 KB per entry.
 */
export async function publishDriftEvent(detail: DriftEventDetail, preferencesArn: string, deadline: number, log: Log): Promise<void> {
  const client = new EventBridgeClient({ requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true } });
  const started = Date.now();
  try {
    const response = await callWithinDeadline('PutEvents', deadline, (abortSignal) => client.send(new PutEventsCommand({
      Entries: [{ Source: EVENT_SOURCE, DetailType: DRIFT_DETAIL_TYPE, Detail: JSON.stringify(detail), Resources: [preferencesArn], EventBusName: 'default' }],
    }), { abortSignal }));
    const refused = response.Entries?.[0]?.ErrorCode;
    log('api call', { operation: 'PutEvents', outcome: refused ?? 'ok', eventId: response.Entries?.[0]?.EventId, durationMs: Date.now() - started });
    if (refused) throw new ExplainedError(`EventBridge refused the drift event: ${refused}: ${shorten(String(response.Entries?.[0]?.ErrorMessage), SERVICE_TEXT)}`);
  } catch (e: any) {
    if (e instanceof ExplainedError) throw e;
    log('api call', { operation: 'PutEvents', outcome: e.name, durationMs: Date.now() - started });
    throw new ExplainedError(`The drift event could not be published: ${e.name}: ${shorten(String(e.message), SERVICE_TEXT)}. `
      + 'The monitor\'s role needs events:PutEvents on the default event bus.', { cause: e });
  }
}

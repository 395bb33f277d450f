/**
 * The contract between ConnectionPreferencesMonitor and its function (lambda/monitor.ts): the environment the
 * construct sets, and the metrics and events the function writes, which the construct's alarms and users' rules
 * read. One definition, so that a renamed metric is a compile error on both sides instead of a silent alarm.
 */

/** The environment variables the construct gives the monitor function. */
export const MONITOR_ENVIRONMENT = {
  /** The ARN of the stack whose ConnectionPreferences the function watches (AWS::StackId). */
  stackId: 'MONITORED_STACK_ID',
  /** `report` or `reconcile`. */
  mode: 'MONITOR_MODE',
} as const;

export type MonitorModeValue = 'report' | 'reconcile';
export const MONITOR_MODES: MonitorModeValue[] = ['report', 'reconcile'];

/** The CloudWatch namespace of the monitor's metrics. */
export const METRIC_NAMESPACE = 'PartnerCentral/ConnectionPreferences';
/** 1 when the live preferences differ from what the stack declares, else 0. */
export const DRIFTED_METRIC = 'Drifted';
/** 1 when a resource could not be checked (or, at stack level, when the stack could not be read), else 0. */
export const CHECK_FAILED_METRIC = 'CheckFailed';
/** Per resource: which account and catalog. */
export const RESOURCE_DIMENSIONS = ['Account', 'Catalog'] as const;
/** Per stack, across its resources: what the construct's alarms watch. */
export const STACK_DIMENSION = 'Stack';

/** The `source` of the monitor's events: the package's name (EventBridge reserves `aws.` for AWS). */
export const EVENT_SOURCE = 'cdk-partner-central-connection-preferences';
export const DRIFT_DETAIL_TYPE = 'Connection Preferences Drift Detected';
/** How many identifiers of each list an event shows; the counts are always there. */
export const EVENT_IDS_SHOWN = 10;

/** The detail of a drift event. Every list is bounded (EVENT_IDS_SHOWN), so an event stays a few KB. */
export interface DriftEventDetail {
  readonly stack: string;
  readonly stackId: string;
  /** The resource's construct path, or its logical id when the template has no path. */
  readonly resource: string;
  readonly logicalId: string;
  readonly account: string;
  readonly catalog: string;
  /** The live revision that differs from the declaration. */
  readonly revision: number;
  /** When it was changed, as the service reports it. */
  readonly updatedAt: string;
  /** From what the stack declares to what the account holds, in one short line. */
  readonly summary: string;
  readonly difference: {
    readonly accessType?: { readonly declared: string; readonly live: string };
    /** Excluded live, not declared: the first EVENT_IDS_SHOWN. */
    readonly exclusionsAdded: string[];
    readonly exclusionsAddedCount: number;
    /** Declared, not excluded live: the first EVENT_IDS_SHOWN. */
    readonly exclusionsRemoved: string[];
    readonly exclusionsRemovedCount: number;
  };
  readonly mode: MonitorModeValue;
  /** What reconcile did: `restored` the declaration (overwriting the change above), or could not. Absent in report mode. */
  readonly reconcile?: {
    readonly outcome: 'restored' | 'skipped' | 'failed';
    /** The revision written, when restored. */
    readonly revision?: number;
    /** Why it was skipped or failed. */
    readonly reason?: string;
  };
}

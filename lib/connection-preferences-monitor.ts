import { Annotations, Aws, CfnCondition, CfnResource, Duration, Fn, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GET_CONNECTION_PREFERENCES, HANDLER_BUNDLE_DIR, MANAGE_CONNECTION_PREFERENCES, PARTNER_CENTRAL_RESOURCE_STAR } from './connection-preferences-provider';
import { declaredIn } from './declared-resources';
import { createHandlerFunction, HandlerConfiguration, HandlerRole } from './handler-configuration';
import { CHECK_FAILED_METRIC, DRIFTED_METRIC, METRIC_NAMESPACE, MONITOR_ENVIRONMENT, MONITOR_MODES, STACK_DIMENSION } from './monitor-contract';
import { monitorStatements, unreadableProperties } from './monitor-declarations';
import { ALLOWED_SCHEDULES, InvalidScheduleError, scheduleIntervalMinutes } from './monitor-schedule';

/** What the monitor does when the live preferences differ from what the stack declares. */
export enum MonitorMode {
  /** Report the drift (a metric, an EventBridge event and a log line) and change nothing. */
  REPORT = 'report',
  /** Report the drift, then write the declared preferences back over it. */
  RECONCILE = 'reconcile',
}

/** Properties of a {@link ConnectionPreferencesMonitor}. */
export interface ConnectionPreferencesMonitorProps {
  /**
   * When to check. From every 5 minutes to once a day: a rate, or a cron that runs every day (its minutes and
   * hours fields may list, range and step). The alarms' period is the interval between two checks (for a cron,
   * the shortest one).
   *
   * @default Schedule.rate(Duration.days(1))
   */
  readonly schedule?: events.Schedule;

  /**
   * Whether a drift is only reported, or also reconciled by writing the declared preferences back.
   *
   * @default MonitorMode.REPORT
   */
  readonly mode?: MonitorMode;

  /**
   * A topic that both alarms notify when they go into ALARM and when they are OK again.
   *
   * @default - the alarms have no actions
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Also check as soon as someone updates connection preferences (Partner Central's CloudTrail events), besides
   * the schedule. Those events reach EventBridge only in us-east-1: a stack in another region fails the synth, and
   * in an environment-agnostic stack the rule exists only when it is deployed to us-east-1.
   *
   * @default false
   */
  readonly detectOnChange?: boolean;

  /**
   * How the monitor's function is built, where it runs and how it logs: the same settings as a ConnectionPreferences'
   * handlerConfiguration, applied to this function only (pass the same object to run both in one VPC). A `role` gets
   * the monitor's statements too.
   *
   * @default - the latest Node.js runtime, 256 MB, no VPC, logs kept a year and retained, a role the construct creates
   */
  readonly handlerConfiguration?: HandlerConfiguration;
}

/** The one monitor of each stack. */
const monitorOfStack = new WeakMap<Stack, ConnectionPreferencesMonitor>();
/** Where Partner Central's CloudTrail events reach EventBridge. */
const PARTNER_CENTRAL_EVENTS_REGION = 'us-east-1';

/**
 * Checks on a schedule that the live connection preferences of every ConnectionPreferences in its stack are still
 * what the stack declares; reports a drift as a metric, an event and an alarm, and in RECONCILE mode restores the
 * declaration. One per stack.
 *
 * Its function has a role of its own. A ConnectionPreferences with `assumeRoleArn` is checked through that role:
 * its trust policy must allow this function's role (`handler.role`) too, and its permissions must allow
 * partnercentral:GetConnectionPreferences (and UpdateConnectionPreferences in RECONCILE mode).
 */
export class ConnectionPreferencesMonitor extends Construct {
  /** The function that checks the stack's connection preferences. */
  readonly handler: lambda.Function;
  /** The function's log group: its log lines and its Embedded Metric Format metrics. */
  readonly logGroup: logs.LogGroup;
  /** In ALARM while the live preferences of a resource of the stack differ from what it declares. */
  readonly driftAlarm: cloudwatch.Alarm;
  /** In ALARM while the monitor could not check a resource, could not read the stack, or its function failed. */
  readonly checkFailedAlarm: cloudwatch.Alarm;
  /** Whether a drift is only reported, or also reconciled. */
  readonly mode: MonitorMode;

  constructor(scope: Construct, id: string, props: ConnectionPreferencesMonitorProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const first = monitorOfStack.get(stack);
    if (first) {
      throw new Error(`Cannot add the ConnectionPreferencesMonitor at ${this.node.path}: its stack already has one at ${first.node.path}, `
        + 'which watches every ConnectionPreferences of the stack; a stack may have one monitor.');
    }
    this.mode = props.mode ?? MonitorMode.REPORT;
    if (!(MONITOR_MODES as string[]).includes(this.mode)) {
      throw new Error(`Invalid mode for the ConnectionPreferencesMonitor at ${this.node.path}: '${this.mode}'; allowed: ${MONITOR_MODES.join(', ')}`);
    }
    const schedule = props.schedule ?? events.Schedule.rate(Duration.days(1));
    const period = Duration.minutes(this.intervalMinutesOf(schedule));

    const built = createHandlerFunction(this, props.handlerConfiguration ?? {}, {
      description: `Checks that the Partner Central connection preferences of its stack are what the stack declares (${this.mode} mode)`,
      code: lambda.Code.fromAsset(HANDLER_BUNDLE_DIR),
      handler: 'monitor.handler',
      timeout: Duration.minutes(2),
      environment: { [MONITOR_ENVIRONMENT.stackId]: Aws.STACK_ID, [MONITOR_ENVIRONMENT.mode]: this.mode },
      logGroupNamedAfterFunction: false,
      givenBy: this,
    });
    this.logGroup = built.logGroup;
    this.handler = built.function;
    this.grantChecks(stack, built.role);

    const target = new targets.LambdaFunction(this.handler, { retryAttempts: 2, maxEventAge: Duration.hours(1) });
    new events.Rule(this, 'Schedule', {
      description: `Runs the ConnectionPreferences monitor of its stack: ${schedule.expressionString}`,
      schedule,
      targets: [target],
    });
    if (props.detectOnChange ?? false) this.detectOnChange(stack, target);

    const logGroupName = this.logGroup.logGroupName;
    this.driftAlarm = this.alarm('DriftAlarm', this.metric(DRIFTED_METRIC, period),
      `The live Partner Central connection preferences of stack ${Aws.STACK_NAME} differ from what it declares`
      + (this.mode === MonitorMode.RECONCILE ? ' (the monitor restores the declaration; if this stays in ALARM, it could not)' : '')
      + `. The drift event and the log group ${logGroupName} say what changed and when: deploy the stack to restore the declaration, `
      + 'or declare the live preferences to adopt them.');
    // The function's errors count too: a function that fails before it writes a metric would otherwise look healthy.
    const failures = new cloudwatch.MathExpression({
      expression: 'MAX([failed, errors])',
      usingMetrics: { failed: this.metric(CHECK_FAILED_METRIC, period), errors: this.handler.metricErrors({ period }) },
      period,
      label: 'Checks failed',
    });
    this.checkFailedAlarm = this.alarm('CheckFailedAlarm', failures,
      `The ConnectionPreferences monitor of stack ${Aws.STACK_NAME} could not check its connection preferences, or its function `
      + `failed. The log group ${logGroupName} says why (a role it may not assume, a missing permission, an API error). Until it is `
      + 'fixed, a drift goes unnoticed.');
    if (props.alarmTopic) {
      const action = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const alarm of [this.driftAlarm, this.checkFailedAlarm]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.node.addValidation({ validate: () => this.declarationProblems(stack) });
    monitorOfStack.set(stack, this);
  }

  private intervalMinutesOf(schedule: events.Schedule): number {
    const expression = schedule.expressionString;
    const invalid = (why: string) => new Error(`Invalid schedule for the ConnectionPreferencesMonitor at ${this.node.path}: ${why}; `
      + `allowed: ${ALLOWED_SCHEDULES}`);
    if (Token.isUnresolved(expression)) throw invalid(`${expression} contains a token, and the schedule must be known at synth`);
    try {
      return scheduleIntervalMinutes(expression);
    } catch (e) {
      if (e instanceof InvalidScheduleError) throw invalid(e.message);
      throw e;
    }
  }

  /**
   * The function's own policy, as a document computed at synth from every ConnectionPreferences the stack has by
   * then (they may be declared after the monitor): statements appear only for what the stack declares. An L1
   * policy, because iam.Policy's statements are fixed when they are added, and a lazy list can empty a statement's
   * resources but not leave the statement out. The function depends on it, so that its first run has its permissions.
   * A role that takes no statements gets none: the synth fails with what it must allow.
   */
  private grantChecks(stack: Stack, role: HandlerRole): void {
    const actions = this.mode === MonitorMode.RECONCILE ? MANAGE_CONNECTION_PREFERENCES : [GET_CONNECTION_PREFERENCES];
    const statements = () => monitorStatements(stack, actions);
    if (!role.mutable) return role.require(statements);
    const policy = new iam.CfnPolicy(this, 'Permissions', {
      policyName: 'ConnectionPreferencesMonitor',
      roles: [role.role.roleName],
      policyDocument: Lazy.any({ produce: () => new iam.PolicyDocument({ statements: statements() }) }),
    });
    (this.handler.node.defaultChild as CfnResource).addResourceDependency(policy);
    Validations.of(policy).acknowledge(PARTNER_CENTRAL_RESOURCE_STAR);
  }

  /** Partner Central's CloudTrail events of UpdateConnectionPreferences trigger a check, where they arrive. */
  private detectOnChange(stack: Stack, target: events.IRuleTarget): void {
    const region = stack.region;
    if (!Token.isUnresolved(region) && region !== PARTNER_CENTRAL_EVENTS_REGION) {
      throw new Error(`The ConnectionPreferencesMonitor at ${this.node.path} cannot detectOnChange in ${region}: Partner Central's `
        + `CloudTrail events reach EventBridge only in ${PARTNER_CENTRAL_EVENTS_REGION}. Deploy the monitor's stack to `
        + `${PARTNER_CENTRAL_EVENTS_REGION}, or leave detectOnChange off: the schedule still checks.`);
    }
    const rule = new events.Rule(this, 'OnChange', {
      description: 'Runs the ConnectionPreferences monitor of its stack when someone updates connection preferences',
      eventPattern: {
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['partnercentral-account.amazonaws.com'], eventName: ['UpdateConnectionPreferences'] },
      },
      targets: [target],
    });
    if (!Token.isUnresolved(region)) return;
    // Environment-agnostic: the rule, and the permission that lets it invoke the function, exist only in us-east-1.
    const condition = new CfnCondition(this, 'InPartnerCentralEventsRegion', {
      expression: Fn.conditionEquals(Aws.REGION, PARTNER_CENTRAL_EVENTS_REGION),
    });
    for (const resource of rule.node.findAll().filter(CfnResource.isCfnResource)) resource.cfnOptions.condition = condition;
    Annotations.of(this).addWarningV2('cdk-partner-central-connection-preferences:detectOnChangeOnlyInUsEast1',
      `detectOnChange: Partner Central's CloudTrail events reach EventBridge only in ${PARTNER_CENTRAL_EVENTS_REGION}, and this `
      + `stack has no region at synth, so the rule that checks on a change exists only when the stack is deployed to `
      + `${PARTNER_CENTRAL_EVENTS_REGION}; elsewhere only the schedule checks. Give the stack an env to know at synth.`);
  }

  private metric(metricName: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [STACK_DIMENSION]: Aws.STACK_NAME },
      statistic: cloudwatch.Stats.MAXIMUM,
      period,
    });
  }

  /**
   * The period is the interval between checks, so each check is one datapoint: a 1 alarms at once, the next check's
   * 0 ends the alarm, and a period that a check straddles or missed counts as OK instead of as a failure.
   */
  private alarm(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
  }

  private declarationProblems(stack: Stack): string[] {
    if (declaredIn(stack).length === 0) {
      return [`The ConnectionPreferencesMonitor at ${this.node.path} watches nothing: its stack ${stack.stackName} declares no `
        + 'ConnectionPreferences. Declare them in the same stack as the monitor, or remove the monitor.'];
    }
    return unreadableProperties(stack);
  }
}

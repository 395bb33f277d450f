import { App, CfnParameter, Duration, Environment, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { determineLatestNodeRuntime } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AccessType, ConnectionPreferences, ConnectionPreferencesMonitor, ConnectionPreferencesMonitorProps, MonitorMode } from '../lib';
import { MONITOR_ENVIRONMENT, MONITOR_MODES } from '../lib/monitor-contract';
import { errorOf } from './support/synth';

/** A stack with a monitor and one ConnectionPreferences of its own account, declared after the monitor. */
function monitored(props: ConnectionPreferencesMonitorProps = {}, env?: Environment) {
  const stack = new Stack(new App(), 'Partner', { env });
  const monitor = new ConnectionPreferencesMonitor(stack, 'Monitor', props);
  new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL });
  return { stack, monitor, template: Template.fromStack(stack) };
}

const MONITOR_FUNCTION = { Properties: { Handler: 'monitor.handler' } };
function idOf(resources: Record<string, unknown>): string {
  const ids = Object.keys(resources);
  if (ids.length !== 1) throw new Error(`expected one resource, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0];
}

test('MonitorMode has exactly the values of the contract with the function', () => {
  expect(Object.values(MonitorMode).sort()).toEqual([...MONITOR_MODES].sort());
});

describe('with the defaults', () => {
  const { stack, monitor, template } = monitored();
  const functionId = idOf(template.findResources('AWS::Lambda::Function', MONITOR_FUNCTION));
  const logGroupId = idOf(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.absent() } }));

  test('a function of the handler bundle runs monitor.handler, told which stack to watch and in which mode', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'monitor.handler',
      Runtime: determineLatestNodeRuntime(stack).name,
      Timeout: 120,
      MemorySize: 256,
      Description: Match.stringLikeRegexp('Checks that the Partner Central connection preferences'),
      Environment: { Variables: { [MONITOR_ENVIRONMENT.stackId]: { Ref: 'AWS::StackId' }, [MONITOR_ENVIRONMENT.mode]: 'report' } },
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(monitor.mode).toBe(MonitorMode.REPORT);
  });

  test('the function ships in the same asset as the provider\'s handler, with a role of its own', () => {
    const [monitorFunction] = Object.values(template.findResources('AWS::Lambda::Function', MONITOR_FUNCTION));
    const [providerFunction] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    expect(monitorFunction.Properties.Code).toEqual(providerFunction.Properties.Code);
    expect(monitorFunction.Properties.Role).not.toEqual(providerFunction.Properties.Role);
  });

  test('logs to a log group of its own, kept a year', () => {
    expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(365);
    expect(stack.resolve(monitor.logGroup.logGroupName)).toEqual({ Ref: logGroupId });
  });

  test('a rule runs it once a day, retrying twice within an hour, and nothing else triggers it', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, Principal: 'events.amazonaws.com',
    });
    expect(template.toJSON().Conditions).toBeUndefined();
  });

  test('the drift alarm watches the stack\'s Drifted metric over a day, a missing check counting as OK, with no action', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Drifted' } });
    const alarmId = idOf(alarms);
    expect(alarms[alarmId].Properties).toEqual({
      Namespace: 'PartnerCentral/ConnectionPreferences',
      MetricName: 'Drifted',
      Dimensions: [{ Name: 'Stack', Value: { Ref: 'AWS::StackName' } }],
      Statistic: 'Maximum',
      Period: 86400,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.anything(),
    });
    expect(JSON.stringify(alarms[alarmId].Properties.AlarmDescription)).toMatch(/deploy the stack to restore the declaration/);
    expect(stack.resolve(monitor.driftAlarm.alarmArn)).toEqual({ 'Fn::GetAtt': [alarmId, 'Arn'] });
  });

  test('the check-failed alarm takes the worse of the CheckFailed metric and the function\'s errors', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { Metrics: Match.anyValue() } });
    const alarmId = idOf(alarms);
    expect(stack.resolve(monitor.checkFailedAlarm.alarmArn)).toEqual({ 'Fn::GetAtt': [alarmId, 'Arn'] });
    expect(alarms[alarmId].Properties).toEqual({
      Metrics: [
        { Id: 'expr_1', Expression: 'MAX([failed, errors])', Label: 'Checks failed', ReturnData: true },
        {
          Id: 'failed', ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'PartnerCentral/ConnectionPreferences', MetricName: 'CheckFailed', Dimensions: [{ Name: 'Stack', Value: { Ref: 'AWS::StackName' } }] },
            Period: 86400, Stat: 'Maximum',
          },
        },
        {
          Id: 'errors', ReturnData: false,
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }] },
            Period: 86400, Stat: 'Sum',
          },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.anything(),
    });
  });
});

describe('props', () => {
  test('a schedule every 5 minutes runs the rule so, and makes 5 minutes the alarms\' period', () => {
    const { template } = monitored({ schedule: Schedule.rate(Duration.minutes(5)) });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Drifted', Period: 300 });
    const periods = JSON.stringify(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Metrics: Match.anyValue() } })).match(/"Period":\d+/g);
    expect(periods).toEqual(['"Period":300', '"Period":300']);
  });

  test('a cron\'s alarm period is its smallest gap between two runs', () => {
    const { template } = monitored({ schedule: Schedule.cron({ minute: '0', hour: '6,18' }) });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6,18 * * ? *)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Drifted', Period: 43200 });
  });

  test('RECONCILE mode is told to the function', () => {
    const { monitor, template } = monitored({ mode: MonitorMode.RECONCILE });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'monitor.handler', Environment: { Variables: Match.objectLike({ [MONITOR_ENVIRONMENT.mode]: 'reconcile' }) },
    });
    expect(monitor.mode).toBe(MonitorMode.RECONCILE);
  });

  test('a mode that is not one of MonitorMode is refused, naming the allowed ones', () => {
    expect(errorOf(() => monitored({ mode: 'sometimes' as MonitorMode })))
      .toBe('Invalid mode for the ConnectionPreferencesMonitor at Partner/Monitor: \'sometimes\'; allowed: report, reconcile');
  });

  test('an alarm topic is notified by both alarms, of ALARM and of OK', () => {
    const stack = new Stack(new App(), 'Partner');
    const alarmTopic = new sns.Topic(stack, 'Alerts');
    new ConnectionPreferencesMonitor(stack, 'Monitor', { alarmTopic });
    new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    const topicRef = stack.resolve(alarmTopic.topicArn);
    expect(alarms.map((a) => [a.Properties.AlarmActions, a.Properties.OKActions])).toEqual([[[topicRef], [topicRef]], [[topicRef], [topicRef]]]);
  });

  test('without a topic, neither alarm has an action', () => {
    const alarms = Object.values(monitored().template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    expect(alarms.flatMap((a) => [a.Properties.AlarmActions, a.Properties.OKActions, a.Properties.InsufficientDataActions])).toEqual([
      undefined, undefined, undefined, undefined, undefined, undefined,
    ]);
  });
});

describe('the schedule', () => {
  const construct = (schedule: (stack: Stack) => Schedule) => () => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferencesMonitor(stack, 'Monitor', { schedule: schedule(stack) });
  };

  test.each<[string, (stack: Stack) => Schedule]>([
    ['rate(5 minutes)', () => Schedule.rate(Duration.minutes(5))],
    ['rate(1 day)', () => Schedule.rate(Duration.days(1))],
    ['cron(0 6 * * ? *)', () => Schedule.expression('cron(0 6 * * ? *)')],
  ])('%s is accepted', (_, schedule) => {
    expect(construct(schedule)).not.toThrow();
  });

  test.each<[string, (stack: Stack) => Schedule, string]>([
    ['every 4 minutes', () => Schedule.rate(Duration.minutes(4)), 'rate(4 minutes) runs every 4 minutes, more often than every 5 minutes'],
    ['every 2 days', () => Schedule.rate(Duration.days(2)), 'rate(2 days) runs every 2 days, less often than once a day'],
    ['a cron every 2 minutes', () => Schedule.expression('cron(*/2 * * * ? *)'), 'cron(*/2 * * * ? *) runs every 2 minutes'],
    ['a weekly cron', () => Schedule.cron({ minute: '0', hour: '6', weekDay: 'MON' }), 'cron(0 6 ? * MON *) does not run every day'],
    ['a token', (stack) => Schedule.expression(new CfnParameter(stack, 'Every').valueAsString), 'must be known at synth'],
  ])('%s is refused at construction, naming the monitor, the schedule, and what is allowed', (_, schedule, why) => {
    const message = errorOf(construct(schedule));
    expect(message).toMatch(/^Invalid schedule for the ConnectionPreferencesMonitor at Partner\/Monitor: /);
    expect(message).toContain(why);
    expect(message).toContain('; allowed: from every 5 minutes to once a day: rate(N minutes|hours|days), or a cron that runs every day');
  });
});

describe('one monitor per stack', () => {
  test('a second monitor in the stack is refused, naming the first', () => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferencesMonitor(stack, 'First');
    expect(errorOf(() => new ConnectionPreferencesMonitor(stack, 'Second'))).toBe('Cannot add the ConnectionPreferencesMonitor at '
      + 'Partner/Second: its stack already has one at Partner/First, which watches every ConnectionPreferences of the stack; '
      + 'a stack may have one monitor.');
  });

  test('each stack may have its own', () => {
    const app = new App();
    for (const name of ['One', 'Two']) {
      expect(() => new ConnectionPreferencesMonitor(new Stack(app, name), 'Monitor')).not.toThrow();
    }
  });
});

describe('detectOnChange', () => {
  const onChangeRule = {
    EventPattern: {
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': { eventSource: ['partnercentral-account.amazonaws.com'], eventName: ['UpdateConnectionPreferences'] },
    },
  };

  test('in us-east-1, a rule runs the monitor when connection preferences are updated', () => {
    const { stack, template } = monitored({ detectOnChange: true }, { account: '123456789012', region: 'us-east-1' });
    const functionId = idOf(template.findResources('AWS::Lambda::Function', MONITOR_FUNCTION));
    const [rule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: onChangeRule }));
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({
      Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
    })]);
    expect(rule.Condition).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('in another region, the synth fails, saying why and what to do', () => {
    expect(errorOf(() => monitored({ detectOnChange: true }, { region: 'eu-west-1' }))).toBe('The ConnectionPreferencesMonitor at '
      + 'Partner/Monitor cannot detectOnChange in eu-west-1: Partner Central\'s CloudTrail events reach EventBridge only in '
      + 'us-east-1. Deploy the monitor\'s stack to us-east-1, or leave detectOnChange off: the schedule still checks.');
  });

  test('in an environment-agnostic stack, the rule and its permission exist only in us-east-1, with a warning', () => {
    const { stack, template } = monitored({ detectOnChange: true });
    const conditions = template.toJSON().Conditions;
    expect(Object.values(conditions)).toEqual([{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }]);
    const [conditionId] = Object.keys(conditions);
    const conditional = Object.entries(template.toJSON().Resources as Record<string, { Type: string; Condition?: string }>)
      .filter(([, resource]) => resource.Condition !== undefined);
    expect(conditional.map(([, r]) => [r.Type, r.Condition])).toEqual([['AWS::Events::Rule', conditionId], ['AWS::Lambda::Permission', conditionId]]);
    template.hasResource('AWS::Events::Rule', { Properties: onChangeRule, Condition: conditionId });
    Annotations.fromStack(stack).hasWarning('/Partner/Monitor',
      Match.stringLikeRegexp('the rule that checks on a change exists only when the stack is deployed to us-east-1'));
  });
});

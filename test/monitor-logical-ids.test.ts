import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessType, ConnectionPreferences, ConnectionPreferencesMonitor, ConnectionPreferencesMonitorProps } from '../lib';

/**
 * The monitor's logical ids are part of the contract too. A changed id replaces the resource: the log group is
 * retained, so the old one stays behind with its logs and a new, empty one takes over; the alarms lose their history
 * and whatever dashboards or composite alarms named them. These are literal on purpose, as in logical-ids.test.ts:
 * a change to any of them must show in review as a change to this file.
 */
const MONITOR = {
  MonitorLogsA2A2A44B: 'AWS::Logs::LogGroup',
  MonitorHandlerServiceRole76ABAD62: 'AWS::IAM::Role',
  MonitorHandlerB58B5B23: 'AWS::Lambda::Function',
  MonitorPermissions9700F819: 'AWS::IAM::Policy',
  MonitorSchedule8012EAAD: 'AWS::Events::Rule',
  MonitorScheduleAllowEventRulePartnerMonitorHandler4E8A3725BA6884DE: 'AWS::Lambda::Permission',
  MonitorDriftAlarmEAD77930: 'AWS::CloudWatch::Alarm',
  MonitorCheckFailedAlarm320DBA29: 'AWS::CloudWatch::Alarm',
};
const ON_CHANGE = {
  MonitorOnChange82B77C43: 'AWS::Events::Rule',
  MonitorOnChangeAllowEventRulePartnerMonitorHandler4E8A372533B335F2: 'AWS::Lambda::Permission',
};

function logicalIdsOf(props?: ConnectionPreferencesMonitorProps) {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL });
  if (props) new ConnectionPreferencesMonitor(stack, 'Monitor', props);
  const template = Template.fromStack(stack).toJSON();
  const resources = Object.fromEntries(Object.entries(template.Resources as Record<string, { Type: string }>).map(([id, r]) => [id, r.Type]));
  return { resources, conditions: Object.keys(template.Conditions ?? {}) };
}

test('a monitor adds its resources under these ids, and leaves the ids of the stack\'s other resources as they were', () => {
  const without = logicalIdsOf();
  const withMonitor = logicalIdsOf({});
  expect(withMonitor.resources).toEqual({ ...without.resources, ...MONITOR });
  expect(withMonitor.conditions).toEqual([]);
});

test('detectOnChange in an environment-agnostic stack adds a rule, its permission, and their condition', () => {
  const { resources, conditions } = logicalIdsOf({ detectOnChange: true });
  const monitorOnly = Object.fromEntries(Object.entries(resources).filter(([id]) => id.startsWith('Monitor')));
  expect(monitorOnly).toEqual({ ...MONITOR, ...ON_CHANGE });
  expect(conditions).toEqual(['MonitorInPartnerCentralEventsRegionA93F8D7D']);
});

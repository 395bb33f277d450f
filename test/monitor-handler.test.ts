import { dump } from 'js-yaml';
import { CHECK_FAILED_METRIC, DRIFT_DETAIL_TYPE, DRIFTED_METRIC, EVENT_SOURCE, METRIC_NAMESPACE } from '../lib/monitor-contract';
import { useEmulator } from './support/emulator-environment';
import { checkLines, MONITOR_RUNNERS, monitorEnvironment, monitoredStack } from './support/monitor';

const { emulator, newAccount } = useEmulator();

const DENY_SOME = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['111122223333', 'partner-a'] };
const SANDBOX_ALLOW_ALL = { Catalog: 'Sandbox', AccessType: 'ALLOW_ALL' };

/** A fresh account whose stack declares these resources, deployed: the live preferences are the declared ones. */
function deployed(resources: Record<string, Record<string, any>>, mode: 'report' | 'reconcile' = 'report') {
  const account = newAccount();
  const stack = monitoredStack(account, resources);
  emulator.cloudFormation.record(stack);
  for (const properties of Object.values(resources)) {
    if (properties.AssumeRoleArn) continue;
    emulator.writeOutside(account, properties.Catalog, { AccessType: properties.AccessType, ExcludedParticipantIds: properties.ExcludedParticipantIdentifiers ?? [] });
  }
  monitorEnvironment(stack, mode);
  return { account, stack };
}

/**
 * Runs `act` as soon as the check's first read of the account's preferences arrives, while every call takes 30 ms:
 * well before the check's next call.
 */
function afterFirstRead(account: string, act: () => void): Promise<void> {
  emulator.settings.latencyMs = 30;
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (emulator.callsOf('GetConnectionPreferences', account).length === 0) return;
      clearInterval(poll);
      act();
      emulator.settings.latencyMs = 0;
      resolve();
    }, 1);
  });
}

const eventsOf = (account: string) => emulator.eventBridge.events.filter((e) => e.account === account);

describe.each(MONITOR_RUNNERS)('the monitor function (%s)', (_name, check) => {
  test('in sync: a metric line per resource with Drifted 0 and CheckFailed 0, no event, no write', async () => {
    const { account } = deployed({ Prefs: DENY_SOME, SandboxPrefs: SANDBOX_ALLOW_ALL });
    const writesBefore = emulator.writes.length;

    const run = await check();

    expect(run.report).toMatchObject({ outcome: 'checked', stack: 'Monitored', resources: [{ logicalId: 'Prefs', outcome: 'in sync' }, { logicalId: 'SandboxPrefs', outcome: 'in sync' }] });
    const lines = checkLines(run);
    for (const [logicalId, catalog] of [['Prefs', 'AWS'], ['SandboxPrefs', 'Sandbox']]) {
      expect(lines[logicalId]).toMatchObject({ Stack: 'Monitored', Account: account, Catalog: catalog, [DRIFTED_METRIC]: 0, [CHECK_FAILED_METRIC]: 0, outcome: 'in sync' });
      // Embedded Metric Format: CloudWatch Logs makes these metrics, with both dimension sets.
      expect(lines[logicalId]._aws.CloudWatchMetrics).toEqual([{
        Namespace: METRIC_NAMESPACE, Dimensions: [['Account', 'Catalog'], ['Stack']],
        Metrics: [{ Name: DRIFTED_METRIC, Unit: 'Count' }, { Name: CHECK_FAILED_METRIC, Unit: 'Count' }],
      }]);
      expect(typeof lines[logicalId]._aws.Timestamp).toBe('number');
    }
    expect(eventsOf(account)).toEqual([]);
    expect(emulator.writes.length).toBe(writesBefore);
  });

  test('a template submitted as YAML (as the CDK CLI sends a small one inline) is read as the JSON one is', async () => {
    const { stack } = deployed({ Prefs: DENY_SOME });
    emulator.cloudFormation.record({ ...stack, TemplateBody: dump(stack.Template) });

    const run = await check();

    expect(run.report).toMatchObject({ outcome: 'checked', resources: [{ logicalId: 'Prefs', outcome: 'in sync' }] });
  });

  test('drifted: Drifted 1, and an event on the default bus with the difference; report mode writes nothing', async () => {
    const { account, stack } = deployed({ Prefs: DENY_SOME, SandboxPrefs: SANDBOX_ALLOW_ALL });
    emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['111122223333', 'intruder-1'] });
    const revision = emulator.preferences(account, 'AWS').Revision;

    const run = await check();

    const lines = checkLines(run);
    expect(lines.Prefs).toMatchObject({ [DRIFTED_METRIC]: 1, [CHECK_FAILED_METRIC]: 0, outcome: 'drifted', revision });
    expect(lines.Prefs.changes).toEqual({ exclusionsAdded: ['intruder-1'], exclusionsRemoved: ['partner-a'] });
    expect(lines.SandboxPrefs).toMatchObject({ [DRIFTED_METRIC]: 0 });
    const events = eventsOf(account);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ region: 'eu-west-1', bus: 'default', source: EVENT_SOURCE, detailType: DRIFT_DETAIL_TYPE });
    expect(events[0].detail).toEqual({
      stack: 'Monitored', stackId: stack.StackId, resource: 'Monitored/Prefs', logicalId: 'Prefs', account, catalog: 'AWS', revision,
      updatedAt: expect.any(String), mode: 'report',
      summary: 'exclusions added: intruder-1; exclusions removed: partner-a',
      difference: { exclusionsAdded: ['intruder-1'], exclusionsAddedCount: 1, exclusionsRemoved: ['partner-a'], exclusionsRemovedCount: 1 },
    });
    expect(emulator.preferences(account, 'AWS').Revision).toBe(revision);
    expect(emulator.callsOf('UpdateConnectionPreferences', account)).toEqual([]);
  });

  test('a check that fails (AccessDenied) reports CheckFailed 1 with the reason, and the other resources are still checked', async () => {
    const { account } = deployed({ Prefs: DENY_SOME, SandboxPrefs: SANDBOX_ALLOW_ALL });
    emulator.inject({ kind: 'access-denied', count: 5, operation: 'GetConnectionPreferences', catalog: 'AWS' });

    const run = await check();
    emulator.clearFaults();

    const lines = checkLines(run);
    expect(lines.Prefs).toMatchObject({ Account: account, Catalog: 'AWS', [CHECK_FAILED_METRIC]: 1, outcome: 'failed' });
    expect(lines.Prefs).not.toHaveProperty(DRIFTED_METRIC);
    expect(lines.Prefs.reason).toMatch(/^Partner Central denied GetConnectionPreferences for the AWS catalog to the monitor's role/);
    expect(lines.SandboxPrefs).toMatchObject({ [DRIFTED_METRIC]: 0, [CHECK_FAILED_METRIC]: 0 });
    expect(run.report.resources.map((r) => r.outcome)).toEqual(['failed', 'in sync']);
  });

  test('reconcile restores the declaration, retrying a conflict, and the event says what was overwritten', async () => {
    const { account } = deployed({ Prefs: DENY_SOME }, 'reconcile');
    emulator.writeOutside(account, 'AWS', { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });
    // Another writer gets in between the reconcile's read and its write: once the check has read the drift, the next read is answered, then overtaken.
    const competitor = afterFirstRead(account, () => emulator.inject({
      kind: 'competing-write', count: 1, operation: 'GetConnectionPreferences', competingPreferences: { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] },
    }));

    const run = await check();
    await competitor;

    const live = emulator.preferences(account, 'AWS');
    expect(live).toMatchObject({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['111122223333', 'partner-a'] });
    expect(emulator.callsOf('UpdateConnectionPreferences', account).map((c) => c.errorType ?? c.status)).toEqual(['ConflictException', 200]);
    const [event] = eventsOf(account);
    expect(event.detail).toMatchObject({
      mode: 'reconcile', summary: 'access type ALLOW_BY_DEFAULT_DENY_SOME → DENY_ALL; exclusions removed: 111122223333, partner-a',
      difference: { accessType: { declared: 'ALLOW_BY_DEFAULT_DENY_SOME', live: 'DENY_ALL' } },
      reconcile: { outcome: 'restored', revision: live.Revision },
    });
    expect(checkLines(run).Prefs).toMatchObject({ [DRIFTED_METRIC]: 1, [CHECK_FAILED_METRIC]: 0, reconcile: { outcome: 'restored' } });
  });

  test('a resource with assumeRoleArn is checked in the role\'s account, with the role\'s credentials', async () => {
    const partner = String(700000000000 + Math.floor(Math.random() * 1e6));
    const roleArn = `arn:aws:iam::${partner}:role/PartnerCentralAccess`;
    const { account } = deployed({ Partner: { Catalog: 'AWS', AccessType: 'DENY_ALL', AssumeRoleArn: roleArn } });
    emulator.writeOutside(partner, 'AWS', { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });

    const run = await check();

    expect(checkLines(run).Partner).toMatchObject({ Account: partner, Catalog: 'AWS', [DRIFTED_METRIC]: 1 });
    expect(eventsOf(account)[0].detail).toMatchObject({ account: partner, summary: 'access type DENY_ALL → ALLOW_ALL' });
    expect(emulator.callsOf('GetConnectionPreferences', partner)).toHaveLength(1);
    expect(emulator.issuedCredentials.some((c) => c.roleArn === roleArn)).toBe(true);
  });

  test('100 identifiers of 100 characters: the event stays a few KB, the log line keeps every identifier, reconcile restores all', async () => {
    const ids = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`.padEnd(100, 'x'));
    const declared = ids('declared-');
    const { account } = deployed({ Prefs: { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: declared } }, 'reconcile');
    emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ids('outside-') });

    const run = await check();

    const [event] = eventsOf(account);
    expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThan(4_096);
    expect(event.detail.difference).toMatchObject({ exclusionsAddedCount: 100, exclusionsRemovedCount: 100 });
    expect((event.detail.difference as { exclusionsAdded: string[] }).exclusionsAdded).toHaveLength(10);
    expect(checkLines(run).Prefs.changes.exclusionsAdded).toEqual(ids('outside-'));
    expect(new Set(emulator.preferences(account, 'AWS').ExcludedParticipantIds)).toEqual(new Set(declared));
  });
});

describe('the monitor function (source) and its stack', () => {
  const check = MONITOR_RUNNERS[0][1];

  test('while a stack operation is in progress it skips the check: no call to Partner Central, no metric', async () => {
    const { account, stack } = deployed({ Prefs: DENY_SOME }, 'reconcile');
    emulator.cloudFormation.record({ ...stack, StackStatus: 'UPDATE_IN_PROGRESS' });
    emulator.writeOutside(account, 'AWS', { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });

    const run = await check();

    expect(run.report).toMatchObject({ outcome: 'skipped', stackStatus: 'UPDATE_IN_PROGRESS' });
    expect(emulator.callsOf('GetConnectionPreferences', account)).toEqual([]);
    expect(run.lines.filter((l) => l._aws)).toEqual([]);
  });

  test('reconcile never undoes a deploy that starts during the check: it finds the stack changed and writes nothing', async () => {
    const { account, stack } = deployed({ Prefs: DENY_SOME }, 'reconcile');
    emulator.writeOutside(account, 'AWS', { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });
    // The deploy begins once the monitor has read the drift: CloudFormation marks the stack, the handler writes the new declaration.
    const newDeclaration = { ...DENY_SOME, ExcludedParticipantIdentifiers: ['partner-b'] };
    const deploy = afterFirstRead(account, () => {
      emulator.cloudFormation.record({ ...monitoredStack(account, { Prefs: newDeclaration }, 'UPDATE_IN_PROGRESS'), LastUpdatedTime: new Date().toISOString() });
      emulator.writeOutside(account, 'AWS', { AccessType: newDeclaration.AccessType, ExcludedParticipantIds: newDeclaration.ExcludedParticipantIdentifiers });
    });

    const run = await check();
    await deploy;

    expect(run.report.resources[0]).toMatchObject({ outcome: 'drifted', reconcile: { outcome: 'skipped', reason: expect.stringMatching(/^the stack is UPDATE_IN_PROGRESS/) } });
    expect(emulator.callsOf('UpdateConnectionPreferences', account)).toEqual([]);
    expect(emulator.preferences(account, 'AWS').ExcludedParticipantIds).toEqual(['partner-b']);
    expect(stack.StackId).toBe(monitoredStack(account, {}).StackId);
  });

  test('a stack it cannot read is one CheckFailed line for the stack, with the reason', async () => {
    deployed({ Prefs: DENY_SOME });
    process.env.MONITORED_STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Gone/0a1b2c';

    const run = await check();

    expect(run.report).toMatchObject({ outcome: 'failed', stack: 'Gone', reason: expect.stringMatching(/^CloudFormation DescribeStacks of the monitor's own stack failed: ValidationError/) });
    const [line] = run.lines.filter((l) => l._aws);
    expect(line).toMatchObject({ message: 'check failed', Stack: 'Gone', [CHECK_FAILED_METRIC]: 1 });
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Dimensions: [['Stack']], Metrics: [{ Name: CHECK_FAILED_METRIC, Unit: 'Count' }] });
  });

  test('a property built from another resource fails that resource\'s check; pseudo parameters and the stack\'s parameters resolve', async () => {
    const partner = '710000000001';
    const { account } = deployed({
      FromOtherResource: { Catalog: 'AWS', AccessType: 'DENY_ALL', AssumeRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } },
      WithPartition: { Catalog: 'Sandbox', AccessType: 'DENY_ALL', AssumeRoleArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${partner}:role/Access`]] } },
    });

    const run = await check();

    const lines = checkLines(run);
    expect(lines.FromOtherResource).toMatchObject({ Account: account, Catalog: 'AWS', [CHECK_FAILED_METRIC]: 1, outcome: 'failed' });
    expect(lines.FromOtherResource.reason).toMatch(/its properties cannot be read: it uses Fn::GetAtt, which only CloudFormation can resolve/);
    expect(lines.WithPartition).toMatchObject({ Account: partner, Catalog: 'Sandbox', [DRIFTED_METRIC]: 1 });
  });
});

import { RemovalPolicy } from 'aws-cdk-lib';
import { deployLocally } from '../bin/cli/local-deploy';
import { DEFAULT_ACCOUNT, Emulator } from '../emulator/emulator';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, MonitorMode } from '../lib';
import { expectInputError, runCommand } from './plan-command';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(120_000);

/** A local deploy of a stack with a monitor: the monitor's function is the shipped bundle, from the assembly. */
async function deployedWithMonitor(mode: MonitorMode): Promise<string> {
  const stateDir = tempDir('local-check-');
  const assembly = synthesizeApp({
    Partner: (stack) => {
      new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1', 'p-2'] });
      new ConnectionPreferences(stack, 'Sandbox', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
      new ConnectionPreferencesMonitor(stack, 'Monitor', { mode });
    },
  });
  expect(await deployLocally({ assemblyDir: assembly, stateDir, print: () => undefined })).toBe(true);
  return stateDir;
}

test('after a local deploy: check finds it in sync; change alters it out of band; check shows the drift as metric, event and log lines', async () => {
  const stateDir = await deployedWithMonitor(MonitorMode.REPORT);

  const inSync = await runCommand(['check', '--local', stateDir]);
  expect(inSync).toMatchObject({ code: 0, stderr: '' });
  expect(inSync.stdout).toContain('Stack Partner (account 123456789012, region eu-west-1): its monitor, report mode, checked once as its schedule would');
  expect(inSync.stdout).toContain('  Partner/Prefs, the AWS catalog of 123456789012: in sync');
  expect(inSync.stdout).toContain('    PartnerCentral/ConnectionPreferences: Drifted 0, CheckFailed 0, by {Account: 123456789012, Catalog: AWS} and {Stack: Partner}');
  expect(inSync.stdout).toContain('  Events (EventBridge, default bus of 123456789012 in eu-west-1):\n    none');

  const changed = await runCommand(['change', '--local', stateDir, '--access-type', 'ALLOW_BY_DEFAULT_DENY_SOME', '--exclude', 'p-1,intruder']);
  expect(changed).toMatchObject({ code: 0, stderr: '' });
  expect(changed.stdout).toContain('  after   ALLOW_BY_DEFAULT_DENY_SOME, excluding p-1, intruder (revision 2)');

  const drifted = await runCommand(['check', '--local', stateDir]);
  expect(drifted).toMatchObject({ code: 2, stderr: '' });
  expect(drifted.stdout).toContain('  Partner/Prefs, the AWS catalog of 123456789012: drifted (live differs from declared: exclusions added: intruder; exclusions removed: p-2)');
  expect(drifted.stdout).toContain('  Partner/Sandbox, the Sandbox catalog of 123456789012: in sync');
  expect(drifted.stdout).toContain('Drifted 1, CheckFailed 0, by {Account: 123456789012, Catalog: AWS} and {Stack: Partner}');
  expect(drifted.stdout).toContain('    Connection Preferences Drift Detected, source cdk-partner-central-connection-preferences');
  expect(drifted.stdout).toMatch(/"summary": "exclusions added: intruder; exclusions removed: p-2"/);
  const logLines = drifted.stdout.split('\n').filter((line) => line.startsWith('    {')).map((line) => JSON.parse(line));
  expect(logLines.filter((l) => l.message === 'check').map((l) => [l.logicalId.replace(/[0-9A-F]{8}$/, ''), l.outcome]).sort()).toEqual([['Prefs', 'drifted'], ['Sandbox', 'in sync']]);
  // Report mode changed nothing.
  expect(new Emulator({}, stateDir).preferences(DEFAULT_ACCOUNT, 'AWS')).toMatchObject({ Revision: 2, ExcludedParticipantIds: ['p-1', 'intruder'] });
});

test('a reconciling monitor restores the declaration, and says what it overwrote', async () => {
  const stateDir = await deployedWithMonitor(MonitorMode.RECONCILE);
  await runCommand(['change', '--local', stateDir, '--access-type', 'ALLOW_ALL', '--catalog', 'Sandbox']);

  const run = await runCommand(['check', '--local', stateDir]);

  expect(run.code).toBe(2);
  expect(run.stdout).toContain('  Partner/Sandbox, the Sandbox catalog of 123456789012: drifted (live differs from declared: access type DENY_ALL → ALLOW_ALL); reconcile restored (revision 3)');
  expect(run.stdout).toMatch(/"reconcile": \{\n\s+"outcome": "restored",\n\s+"revision": 3\n/);
  expect(new Emulator({}, stateDir).preferences(DEFAULT_ACCOUNT, 'Sandbox')).toMatchObject({ AccessType: 'DENY_ALL', Revision: 3 });
});

describe('input errors of check and change', () => {
  test('each is one line that says what to do', async () => {
    const empty = tempDir('local-check-empty-');
    expectInputError(await runCommand(['check']), /check runs the monitor of a local deploy: pass --local \[DIR\]/);
    expectInputError(await runCommand(['check', '--local', empty]), `--local: ${empty} holds no saved state (no state.json)`);
    expectInputError(await runCommand(['change', '--local', empty]), 'change needs --access-type: one of ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME');
    expectInputError(await runCommand(['change', '--local', empty, '--access-type', 'SOMETIMES']), 'change: --access-type is "SOMETIMES"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME');
    expectInputError(await runCommand(['change', '--local', empty, '--access-type', 'DENY_ALL', '--account', '12']), "--account is '12': give a 12-digit account id");
    expectInputError(await runCommand(['check', '--local', empty, '--access-type', 'DENY_ALL']), '--access-type is not an option of check');
  });

  test('a local deploy without a monitor says how to add one', async () => {
    const stateDir = tempDir('local-check-none-');
    await deployLocally({ assemblyDir: synthesizeApp({ Partner: (stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL }) }), stateDir, print: () => undefined });
    expectInputError(await runCommand(['check', '--local', stateDir]), /has no ConnectionPreferencesMonitor: add one to the app's stack and run 'npm run deploy:local'/);
  });
});

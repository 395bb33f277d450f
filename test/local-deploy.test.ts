import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { DEFAULT_ACCOUNT, Emulator } from '../emulator/emulator';
import { deployLocally } from '../bin/cli/local-deploy';
import { AccessType, Catalog, ConnectionPreferences, DriftPolicy } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(120_000);

/** Runs one local deploy of an assembly against a state directory; returns whether it succeeded and what it printed. */
async function deploy(assemblyDir: string, stateDir: string) {
  const lines: string[] = [];
  const ok = await deployLocally({ assemblyDir, stateDir, print: (line) => lines.push(line) });
  return { ok, output: lines.join('\n') };
}
const stored = (stateDir: string) => new Emulator({}, stateDir);
const prefs = (accessType: AccessType, extra: object = {}) => (stack: Stack) =>
  new ConnectionPreferences(stack, 'Prefs', { accessType, ...(accessType === AccessType.ALLOW_BY_DEFAULT_DENY_SOME && { excludedParticipantIdentifiers: ['p-1'] }), ...extra });

test('create, no-op, update and delete across runs, with the bundled handler from the assembly', async () => {
  const stateDir = tempDir('local-deploy-');

  const created = await deploy(synthesizeApp({ Partner: prefs(AccessType.ALLOW_BY_DEFAULT_DENY_SOME, { removalPolicy: RemovalPolicy.DESTROY }) }), stateDir);
  expect(created.ok).toBe(true);
  expect(created.output).toContain([
    '  Prefs: create',
    `    before  ALLOW_ALL, no exclusions (revision 0) in the AWS catalog of ${DEFAULT_ACCOUNT}`,
    '    calls   GetConnectionPreferences 200, UpdateConnectionPreferences 200',
    `    after   ALLOW_BY_DEFAULT_DENY_SOME, excluding p-1 (revision 1) in the AWS catalog of ${DEFAULT_ACCOUNT}`,
  ].join('\n'));

  const again = await deploy(synthesizeApp({ Partner: prefs(AccessType.ALLOW_BY_DEFAULT_DENY_SOME, { removalPolicy: RemovalPolicy.DESTROY }) }), stateDir);
  expect(again.output).toContain('  Prefs: no change (not invoked)\n    live    ALLOW_BY_DEFAULT_DENY_SOME, excluding p-1 (revision 1)');
  expect(again.output).not.toContain('calls');
  expect(stored(stateDir).preferences(DEFAULT_ACCOUNT, 'AWS').Revision).toBe(1);

  const updated = await deploy(synthesizeApp({ Partner: prefs(AccessType.DENY_ALL, { removalPolicy: RemovalPolicy.DESTROY }) }), stateDir);
  expect(updated.output).toContain('  Prefs: update');
  expect(updated.output).toContain('    after   DENY_ALL, no exclusions (revision 2)');

  // The stack stays, without the resource: CloudFormation deletes it in the cleanup phase.
  const removed = await deploy(synthesizeApp({ Partner: (stack) => new CfnWaitConditionHandle(stack, 'Unrelated') }), stateDir);
  expect(removed.ok).toBe(true);
  expect(removed.output).toContain('  Prefs: delete');
  expect(removed.output).toContain('    after   ALLOW_ALL, no exclusions (revision 3)');
  // The stack stays with its other resource; the provider's functions went with the last ConnectionPreferences.
  const state = stored(stateDir);
  expect(Object.values(state.cloudFormation.stack(DEFAULT_ACCOUNT, 'eu-west-1', 'Partner')!.Resources).map((r) => r.ResourceType)).toEqual(['AWS::CloudFormation::WaitConditionHandle']);
  expect(state.lambda.functions.size).toBe(0);
});

test('a stack that leaves the app has its resources deleted, by the handler kept from its last deploy', async () => {
  const stateDir = tempDir('local-deploy-');
  await deploy(synthesizeApp({ Gone: prefs(AccessType.DENY_ALL, { removalPolicy: RemovalPolicy.DESTROY, catalog: Catalog.SANDBOX }) }), stateDir);

  const result = await deploy(synthesizeApp({ Other: (stack) => new CfnWaitConditionHandle(stack, 'Unrelated') }), stateDir);

  expect(result.ok).toBe(true);
  expect(result.output).toContain('Gone (account 123456789012, region eu-west-1): removed from the app\n  Prefs: delete');
  expect(stored(stateDir).preferences(DEFAULT_ACCOUNT, 'Sandbox').AccessType).toBe('ALLOW_ALL');
});

test('a handler failure prints the reason, rolls the stack back and fails the run', async () => {
  const stateDir = tempDir('local-deploy-');
  await deploy(synthesizeApp({ Partner: prefs(AccessType.DENY_ALL) }), stateDir);
  stored(stateDir).writeOutside(DEFAULT_ACCOUNT, 'AWS', { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });

  const failed = await deploy(synthesizeApp({
    Partner: (stack) => {
      new ConnectionPreferences(stack, 'Sandbox', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
      new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-2'], driftPolicy: DriftPolicy.FAIL });
    },
  }), stateDir);

  expect(failed.ok).toBe(false);
  expect(failed.output).toMatch(/Prefs: FAILED\n {4}reason {2}The AWS connection preferences were changed outside this stack/);
  // The Sandbox resource created before the failure is rolled back: deleted, and with DESTROY, reset.
  expect(failed.output).toContain('(rollback): delete');
  const state = stored(stateDir);
  expect(state.preferences(DEFAULT_ACCOUNT, 'Sandbox')).toMatchObject({ AccessType: 'ALLOW_ALL', Revision: 2 });
  // The stack stays as it was last deployed.
  const stack = state.cloudFormation.stack(DEFAULT_ACCOUNT, 'eu-west-1', 'Partner')!;
  expect(JSON.stringify(stack.Template)).not.toContain('Sandbox');
  expect(Object.values(stack.Resources).filter((r) => r.ResourceType === RESOURCE_TYPE)).toHaveLength(1);
});

describe('npm run deploy:local', () => {
  const run = (stateDir: string, ...args: string[]) => promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'bin', 'deploy-local.js'), ...args], {
    env: { ...process.env, LOCAL_DEPLOY_STATE_DIR: stateDir },
  }).then(({ stdout }) => ({ code: 0, stdout }), (e) => ({ code: e.code as number, stdout: `${e.stdout}${e.stderr}` }));

  test('synthesizes the example app and deploys it; a second run changes nothing; another access type updates', async () => {
    const stateDir = tempDir('deploy-local-cli-');
    const first = await run(stateDir);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('ConnectionPreferences: create');
    expect(first.stdout).toContain('Local deploy complete.');

    expect((await run(stateDir)).stdout).toContain('ConnectionPreferences: no change (not invoked)');
    const changed = await run(stateDir, '-c', 'accessType=DENY_ALL');
    expect(changed.stdout).toContain('ConnectionPreferences: update');
    expect(changed.stdout).toContain('after   DENY_ALL, no exclusions (revision 2)');
  });

  test('a failed synth prints the reason and exits non-zero', async () => {
    const result = await run(tempDir('deploy-local-cli-'), '-c', 'accessType=SOMETIMES');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Synth failed:[\s\S]*accessType is "SOMETIMES"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME/);
  });
});

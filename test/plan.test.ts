import { readdirSync } from 'fs';
import * as path from 'path';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { DEFAULT_ACCOUNT, Emulator } from '../emulator/emulator';
import { deployLocally } from '../bin/cli/local-deploy';
import { AccessType, ConnectionPreferences } from '../lib';
import { runCommand } from './plan-command';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(120_000);

/** Runs the command the package ships, as `npx connection-preferences plan ...` would; stderr follows stdout. */
const planWith = (env: NodeJS.ProcessEnv, ...args: string[]) => runCommand(['plan', ...args], { env })
  .then(({ code, stdout, stderr }) => ({ code, stdout: `${stdout}${stderr}` }));
const plan = (...args: string[]) => planWith(process.env, ...args);

const declaring = (accessType: AccessType, excluded?: string[]) => synthesizeApp({
  Partner: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType, excludedParticipantIdentifiers: excluded }),
});

let stateDir: string;
let deployed: string;
beforeAll(async () => {
  stateDir = tempDir('plan-state-');
  deployed = declaring(AccessType.ALLOW_BY_DEFAULT_DENY_SOME, ['p-1']);
  expect(await deployLocally({ assemblyDir: deployed, stateDir, print: () => undefined })).toBe(true);
});

test('exit code 0 when the live preferences are the declared ones', async () => {
  const result = await plan('--assembly', deployed, '--local', stateDir);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`Partner/Prefs  (AWS catalog of ${DEFAULT_ACCOUNT}, live revision 1)\n  = no change`);
  expect(result.stdout).toContain('Plan: 0 to change, 1 unchanged, 0 errors, 0 changed outside their stack.');
});

test('exit code 2 and a readable difference when a deploy would change them', async () => {
  const result = await plan('--assembly', declaring(AccessType.ALLOW_BY_DEFAULT_DENY_SOME, ['p-2', 'p-3']), '--local', '--state-dir', stateDir);
  expect(result.code).toBe(2);
  expect(result.stdout).toContain('  + exclude p-2\n  + exclude p-3\n  - exclude p-1');
  const accessType = await plan('--assembly', declaring(AccessType.DENY_ALL), '--local', '--state-dir', stateDir);
  expect(accessType.stdout).toContain('  ~ access type: ALLOW_BY_DEFAULT_DENY_SOME → DENY_ALL');
});

test('reports a change made outside the stack since its last deploy, which a deploy of the same template leaves, as JSON too', async () => {
  const drifted = tempDir('plan-drift-');
  await deployLocally({ assemblyDir: deployed, stateDir: drifted, print: () => undefined });
  new Emulator({}, drifted)
    .writeOutside(DEFAULT_ACCOUNT, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-1', 'p-console'] });

  const text = await plan('--assembly', deployed, '--local', drifted);
  expect(text.code).toBe(2);
  expect(text.stdout).toContain('  ! changed outside the stack since the last deploy: exclusions added: p-console\n'
    + '    a deploy leaves it: the resource\'s properties are unchanged, so CloudFormation does not invoke it');
  expect(text.stdout).not.toContain('- exclude');
  expect(text.stdout).toContain('Plan: 0 to change, 0 unchanged, 0 errors, 1 changed outside their stack, 1 that a deploy would leave as changed.');

  const json = JSON.parse((await plan('--assembly', deployed, '--local', drifted, '--json')).stdout);
  expect(json).toEqual({
    schemaVersion: 1,
    exitCode: 2,
    summary: { resources: 1, change: 0, unchanged: 0, blocked: 0, outOfSync: 1, error: 0, changedOutside: 1 },
    resources: [{
      stack: 'Partner',
      resource: 'Partner/Prefs',
      logicalId: expect.stringMatching(/^Prefs/),
      account: DEFAULT_ACCOUNT,
      catalog: 'AWS',
      status: 'out-of-sync',
      request: 'none',
      deployed: true,
      declared: { accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excludedParticipantIds: ['p-1'] },
      live: { accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excludedParticipantIds: ['p-1', 'p-console'], revision: 2, arn: expect.stringContaining(`:${DEFAULT_ACCOUNT}:catalog/AWS/`) },
      changes: { exclusionsAdded: [], exclusionsRemoved: ['p-console'] },
      drift: { description: 'exclusions added: p-console', changes: { exclusionsAdded: ['p-console'], exclusionsRemoved: [] }, deploy: 'leaves' },
    }],
  });

  // A template that changes the resource gets an Update, which meets the outside change and overwrites it.
  const update = await plan('--assembly', declaring(AccessType.ALLOW_BY_DEFAULT_DENY_SOME, ['p-1', 'p-2']), '--local', drifted);
  expect(update.code).toBe(2);
  expect(update.stdout).toContain('  + exclude p-2\n  - exclude p-console\n  ! changed outside the stack since the last deploy: exclusions added: p-console\n'
    + '    a deploy overwrites it with the declared preferences');
});

test('reads from an emulator endpoint, and shows stacks that are not deployed yet', async () => {
  const emulator = new Emulator();
  const url = await emulator.start();
  try {
    const result = await plan('--assembly', deployed, '--endpoint', url);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('(not deployed yet: a deploy creates it and adopts the live state)');
    // The template and the live preferences are read at once: in either order.
    expect(emulator.calls.map((c) => `${c.service} ${c.operation} ${c.status}`).sort()).toEqual([
      'cloudformation GetTemplate 400',
      'partnercentral-account GetConnectionPreferences 200',
    ]);
  } finally {
    await emulator.stop();
  }
});

test('exit code 1 on an error: a value only CloudFormation can resolve, or no assembly', async () => {
  const withToken = synthesizeApp({
    Partner: (stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: new CfnParameter(stack, 'Access').valueAsString as AccessType }),
  });
  const result = await plan('--assembly', withToken, '--local', '--state-dir', stateDir);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('! error: property AccessType is a Ref or Fn:: that only CloudFormation resolves');
  expect((await plan('--assembly', path.join(stateDir, 'missing'))).code).toBe(1);
});

test('--app synthesizes the app first, with the project\'s CDK CLI, into a temp folder that it removes', async () => {
  const tmpdir = tempDir('plan-app-tmp-');
  const result = await planWith({ ...process.env, TMPDIR: tmpdir }, '--app', 'node bin/example-app.js', '--local', stateDir);
  expect(result.code).toBe(2);
  expect(result.stdout).toContain('PartnerConnectionPreferences/ConnectionPreferences');
  expect(result.stdout).toContain('  + exclude 111122223333');
  expect(readdirSync(tmpdir)).toEqual([]);
});

test('--app removes its temp folder when the synth fails too', async () => {
  const tmpdir = tempDir('plan-app-tmp-');
  const result = await planWith({ ...process.env, TMPDIR: tmpdir }, '--app', 'node -e "process.exit(3)"', '--local', stateDir);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('synth failed');
  expect(readdirSync(tmpdir)).toEqual([]);
});

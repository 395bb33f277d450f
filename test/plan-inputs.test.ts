import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import { CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { USAGE } from '../bin/cli/plan-options';
import { LOCAL_USAGE } from '../bin/cli/local-options';
import { deployLocally } from '../bin/cli/local-deploy';
import { awsEnvironment, expectInputError, runCommand } from './plan-command';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(60_000);

let assembly: string;
let stateDir: string;
beforeAll(async () => {
  assembly = synthesizeApp({ Partner: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL }) });
  stateDir = tempDir('inputs-state-');
  expect(await deployLocally({ assemblyDir: assembly, stateDir, print: () => undefined })).toBe(true);
});

/** A copy of the good assembly, with its one template file changed by `edit`. */
function assemblyWithTemplate(edit: (template: any) => string): string {
  const copy = tempDir('broken-assembly-');
  cpSync(assembly, copy, { recursive: true });
  const file = path.join(copy, readdirSync(copy).find((f) => f.endsWith('.template.json'))!);
  writeFileSync(file, edit(JSON.parse(readFileSync(file, 'utf8'))));
  return copy;
}
const templateFileOf = (dir: string) => path.join(dir, 'Partner.template.json');

describe('usage', () => {
  test('--help prints the usage on stdout and exits 0, before or after the command', async () => {
    for (const args of [['--help'], ['plan', '--help'], ['plan', '-h'], ['check', '--help']]) {
      const run = await runCommand(args);
      expect(run).toMatchObject({ code: 0, stdout: `${USAGE}\n\n${LOCAL_USAGE}\n`, stderr: '' });
    }
    expect(USAGE).toMatch(/--local \[DIR\][\s\S]*--state-dir DIR[\s\S]*--format FORMAT[\s\S]*--json[\s\S]*--timeout SECONDS[\s\S]*--concurrency N/);
  });

  test('a missing or unknown command, an unknown option, a missing value and a stray word each say what was wrong', async () => {
    expectInputError(await runCommand([]), 'no command given: run connection-preferences plan');
    expectInputError(await runCommand(['plna']), 'unknown command \'plna\': the commands are plan, check, change');
    expectInputError(await runCommand(['plan', '--assmbly', 'x']), 'unknown option --assmbly');
    expectInputError(await runCommand(['plan', '--assembly']), '--assembly needs a value');
    expectInputError(await runCommand(['plan', 'cdk.out']), 'unexpected argument \'cdk.out\'');
  });

  test('option values outside what they allow, and options that contradict each other', async () => {
    expectInputError(await runCommand(['plan', '--format', 'html']), '--format is \'html\': use text, json, markdown');
    expectInputError(await runCommand(['plan', '--json', '--format', 'markdown']), '--json and --format markdown');
    expectInputError(await runCommand(['plan', '--timeout', '0']), '--timeout is \'0\': give a number of seconds above 0');
    expectInputError(await runCommand(['plan', '--timeout', 'soon']), '--timeout is \'soon\'');
    expectInputError(await runCommand(['plan', '--concurrency', '2.5']), '--concurrency is \'2.5\': give a whole number from 1 to 100');
    expectInputError(await runCommand(['plan', '--concurrency', '0']), '--concurrency is \'0\'');
    expectInputError(await runCommand(['plan', '--app', 'node app.js', '--assembly', 'cdk.out']), '--app and --assembly both say where the app is');
    expectInputError(await runCommand(['plan', '--local', '--endpoint', 'http://127.0.0.1:1']), '--local and --endpoint');
    expectInputError(await runCommand(['plan', '--local', 'a', '--state-dir', 'b']), '--local and --state-dir name different folders (a, b)');
    expectInputError(await runCommand(['plan', '--endpoint', 'http://127.0.0.1:1', '--profile', 'p']), '--profile is for AWS');
  });
});

describe('the assembly', () => {
  test('no cdk.out: run cdk synth, or pass --app or --assembly', async () => {
    expectInputError(await runCommand(['plan'], { cwd: tempDir('empty-project-') }), 'no cloud assembly at cdk.out: run \'npx cdk synth\' first', '--app', '--assembly DIR');
  });

  test('a folder that is not a cloud assembly, or whose manifest is broken, is named', async () => {
    const notAssembly = tempDir('not-assembly-');
    expectInputError(await runCommand(['plan', '--assembly', notAssembly]), `${notAssembly} is not a cloud assembly (it has no manifest.json)`);
    const brokenManifest = tempDir('broken-manifest-');
    cpSync(assembly, brokenManifest, { recursive: true });
    writeFileSync(path.join(brokenManifest, 'manifest.json'), '{"version": ');
    expectInputError(await runCommand(['plan', '--assembly', brokenManifest]), `${path.join(brokenManifest, 'manifest.json')} could not be read (`);
  });

  test('a template that is not JSON, not a template ({}), or whose ConnectionPreferences has no Properties, names the file', async () => {
    const notJson = assemblyWithTemplate(() => '{ "Resources": ');
    expectInputError(await runCommand(['plan', '--assembly', notJson]), `${templateFileOf(notJson)} is not valid JSON (`);

    const empty = assemblyWithTemplate(() => '{}');
    expectInputError(await runCommand(['plan', '--assembly', empty]), `${templateFileOf(empty)} is not a CloudFormation template (none of Resources,`);

    const noProperties = assemblyWithTemplate((template) => {
      const [logicalId] = Object.entries<any>(template.Resources).find(([, r]) => r.Type === RESOURCE_TYPE)!;
      delete template.Resources[logicalId].Properties;
      return JSON.stringify(template);
    });
    expectInputError(await runCommand(['plan', '--assembly', noProperties]), new RegExp(`${templateFileOf(noProperties)} declares Prefs\\w+ \\(${RESOURCE_TYPE}\\) without Properties`));
  });

  test('an assembly without ConnectionPreferences says so, in each format, and exits 0', async () => {
    const none = synthesizeApp({ Other: (stack) => new CfnWaitConditionHandle(stack, 'Nothing') });
    const text = await runCommand(['plan', '--assembly', none, '--local', stateDir]);
    expect(text).toMatchObject({ code: 0, stdout: `No ConnectionPreferences in ${none}: nothing to plan.\n`, stderr: '' });
    expect((await runCommand(['plan', '--assembly', none, '--local', stateDir, '--format', 'markdown'])).stdout).toContain('No ConnectionPreferences');
    const json = JSON.parse((await runCommand(['plan', '--assembly', none, '--json'])).stdout);
    expect(json).toMatchObject({ schemaVersion: 1, exitCode: 0, resources: [] });
  });

  test('--app without the CDK CLI in the project says how to get it', async () => {
    expectInputError(await runCommand(['plan', '--app', 'node app.js'], { cwd: tempDir('no-cdk-') }), '--app needs the CDK CLI in this project (npm install --save-dev aws-cdk)');
  });
});

describe('where the live state comes from', () => {
  test('--local DIR, --local=DIR, --state-dir DIR, and --local alone (.local-deploy in the current folder) read the same state', async () => {
    const project = tempDir('project-');
    cpSync(stateDir, path.join(project, '.local-deploy'), { recursive: true });
    const runs = await Promise.all([
      runCommand(['plan', '--assembly', assembly, '--local', stateDir]),
      runCommand(['plan', '--local', stateDir, '--assembly', assembly]),
      runCommand(['plan', '--assembly', assembly, `--local=${stateDir}`]),
      runCommand(['plan', '--assembly', assembly, '--state-dir', stateDir]),
      runCommand(['--local', 'plan', '--assembly', assembly], { cwd: project }),
      runCommand(['plan', '--assembly', assembly, '--local'], { cwd: project }),
    ]);
    for (const run of runs) expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('Partner/Prefs  (AWS catalog of 123456789012, live revision 1)\n  = no change') });
  });

  test('--local with no saved state says so, rather than planning against an empty emulator', async () => {
    const empty = tempDir('no-state-');
    expectInputError(await runCommand(['plan', '--assembly', assembly, '--local', empty]), `--local: ${empty} holds no saved state (no state.json): run 'npm run deploy:local' first`);
    expectInputError(await runCommand(['plan', '--assembly', assembly, '--local'], { cwd: empty }), '--local: .local-deploy holds no saved state');
  });

  test('--local with the state of an earlier version says so', async () => {
    const old = tempDir('old-state-');
    mkdirSync(old, { recursive: true });
    writeFileSync(path.join(old, 'state.json'), JSON.stringify({ version: 1 }));
    expectInputError(await runCommand(['plan', '--assembly', assembly, '--local', old]), /--local: .*earlier version of the local deploy; delete .* to start over/);
  });

  test('a profile that does not exist is named, with what to do; so are missing credentials', async () => {
    const emulator = new Emulator();
    const url = await emulator.start();
    try {
      const withoutCredentials = awsEnvironment(url, { AWS_EC2_METADATA_DISABLED: 'true' });
      delete withoutCredentials.AWS_ACCESS_KEY_ID;
      delete withoutCredentials.AWS_SECRET_ACCESS_KEY;
      expectInputError(await runCommand(['plan', '--assembly', assembly, '--profile', 'does-not-exist'], { env: withoutCredentials }),
        '--profile does-not-exist: no credentials', 'aws configure list-profiles', 'aws sso login --profile does-not-exist');
      expectInputError(await runCommand(['plan', '--assembly', assembly], { env: withoutCredentials }), 'no AWS credentials (', 'pass --profile NAME');
      // Nothing was asked of any service.
      expect(emulator.calls).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});

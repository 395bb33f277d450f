#!/usr/bin/env node
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { Emulator } from '../emulator/emulator';
import { emulatedEnvironmentOf, stacksOf } from './cli/cloud-assembly';
import { exitCodeOf, formatPlan, planStacks } from './cli/plan';

const USAGE = `Usage: connection-preferences plan [options]

Shows what a deploy would change in the live connection preferences of every ConnectionPreferences
in a synthesized app, and what was changed outside the stacks since their last deploy.

  --assembly DIR    the synthesized cloud assembly (default: cdk.out)
  --app COMMAND     synthesize this CDK app first (with the project's CDK CLI)
  --profile NAME    the AWS profile to read with (default: the standard credential chain)
  --endpoint URL    read from an emulator at URL instead of AWS
  --local [DIR]     read from the state of 'npm run deploy:local' (default DIR: .local-deploy)
  --json            print the plan as JSON

Exit codes: 0 no change, 2 changes pending, 1 error.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      assembly: { type: 'string', default: 'cdk.out' },
      app: { type: 'string' },
      profile: { type: 'string' },
      endpoint: { type: 'string' },
      local: { type: 'boolean' },
      'state-dir': { type: 'string', default: '.local-deploy' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals[0] !== 'plan') {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (values.profile) process.env.AWS_PROFILE = values.profile;

  const assemblyDir = values.app ? synthesize(values.app) : values.assembly!;
  let emulator: Emulator | undefined;
  let endpoint = values.endpoint;
  if (values.local) {
    emulator = new Emulator({}, values['state-dir']!);
    endpoint = await emulator.start();
  }
  try {
    if (endpoint) {
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT: endpoint,
        AWS_ENDPOINT_URL_STS: endpoint,
        AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
      });
    }
    // The emulator knows accounts by their access keys: address each stack's own.
    const beforeStack = endpoint ? (stack: Parameters<typeof emulatedEnvironmentOf>[0]) => Object.assign(process.env, emulatedEnvironmentOf(stack).env) : undefined;
    const plans = await planStacks(stacksOf(assemblyDir), beforeStack);
    console.log(values.json ? JSON.stringify({ resources: plans, exitCode: exitCodeOf(plans) }, null, 2) : formatPlan(plans));
    return exitCodeOf(plans);
  } finally {
    await emulator?.stop();
  }
}

/**
 * Runs `cdk synth` for the app with the CDK CLI of the current project, into a temporary directory, which is
 * removed when the command exits.
 */
function synthesize(app: string): string {
  const out = mkdtempSync(path.join(os.tmpdir(), 'connection-preferences-plan-'));
  // On 'exit', so that every way out removes it: the plan's exit code, an error, a failed synth.
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const cdk = require.resolve('aws-cdk/bin/cdk', { paths: [process.cwd()] });
  try {
    execFileSync(process.execPath, [cdk, 'synth', '--app', app, '--output', out, '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    });
  } catch (e: any) {
    throw new Error(`synth failed:\n${e.stderr?.toString().trim() || e.message}`, { cause: e });
  }
  return out;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  console.error(`connection-preferences: ${e.message}`);
  process.exit(1);
});

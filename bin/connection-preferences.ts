#!/usr/bin/env node
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STSClient } from '@aws-sdk/client-sts';
import { Emulator } from '../emulator/emulator';
import { readAssembly } from './cli/cloud-assembly';
import { firstLine, InputError } from './cli/input-error';
import { planResources, reportOf, useEmulator } from './cli/plan';
import { formatReport } from './cli/plan-format';
import { checkLocally } from './cli/check';
import { changeLocally } from './cli/local-change';
import { LOCAL_USAGE, parseLocalCommand } from './cli/local-options';
import { CommandOptions, COMMANDS, DEFAULT_ASSEMBLY, parseCommand, USAGE } from './cli/plan-options';

/** What the command prints, and its exit code. */
interface Outcome {
  readonly code: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

async function main(argv: string[]): Promise<Outcome> {
  if (argv.includes('--help') || argv.includes('-h')) return { code: 0, stdout: `${USAGE}\n\n${LOCAL_USAGE}` };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const command = argv.find((arg) => COMMANDS.includes(arg));
  if (command === 'check' || command === 'change') return runLocalCommand(argv);
  const options = parseCommand(argv) as CommandOptions;
  const deadline = Date.now() + options.timeoutMs;
  const plan = async () => {
    const { assemblyDir, whatToDo, source } = await assemblyOf(options, deadline);
    const { resources } = readAssembly(assemblyDir, whatToDo);
    if (resources.length === 0) return { report: reportOf([]), source };
    const emulator = options.local === undefined ? undefined : startLocal(options.local);
    try {
      const endpoint = emulator ? await emulator.start() : options.endpoint;
      if (endpoint) useEmulator(endpoint);
      else await checkCredentials(options.profile, deadline);
      const plans = await planResources(resources, { concurrency: options.concurrency, timeoutMs: options.timeoutMs, deadline, emulatorEndpoint: endpoint });
      return { report: reportOf(plans), source };
    } finally {
      await emulator?.stop();
    }
  };
  const { report, source } = await withinTimeout(plan(), options.timeoutMs);
  return { code: report.exitCode, stdout: formatReport(report, options.format, source) };
}

/** `check` and `change`, on the state of a local deploy. */
async function runLocalCommand(argv: string[]): Promise<Outcome> {
  const options = parseLocalCommand(argv);
  const emulator = startLocal(options.local);
  try {
    const endpoint = await emulator.start();
    if (options.command === 'check') return await checkLocally(emulator, options);
    return { code: 0, stdout: await changeLocally(emulator, endpoint, options) };
  } finally {
    await emulator.stop();
  }
}

/** Where the cloud assembly is, and what to do if it is no good. */
async function assemblyOf(options: CommandOptions, deadline: number) {
  if (options.app) {
    return { assemblyDir: await synthesize(options.app, deadline), whatToDo: `check that --app "${options.app}" runs a CDK app`, source: `the app ${options.app}` };
  }
  const whatToDo = options.assembly === undefined
    ? `run 'npx cdk synth' first, or pass the app (--app "npx ts-node bin/app.ts") or the assembly (--assembly DIR)`
    : `pass the folder that 'cdk synth' wrote (--assembly DIR), or the app (--app COMMAND)`;
  return { assemblyDir: options.assembly ?? DEFAULT_ASSEMBLY, whatToDo, source: options.assembly ?? DEFAULT_ASSEMBLY };
}

function startLocal(stateDir: string): Emulator {
  if (!existsSync(path.join(stateDir, 'state.json'))) {
    throw new InputError(`--local: ${stateDir} holds no saved state (no state.json): run 'npm run deploy:local' first, or pass the folder it used (--local DIR)`);
  }
  try {
    return new Emulator({}, stateDir);
  } catch (e) {
    throw new InputError(`--local: ${firstLine(e)}`);
  }
}

/**
 * Resolves the caller's credentials once before any plan, so that a missing profile or expired sign-in is one line
 * that names it, rather than the same error for every resource.
 */
async function checkCredentials(profile: string | undefined, deadline: number): Promise<void> {
  if (profile !== undefined) process.env.AWS_PROFILE = profile;
  const named = profile ?? process.env.AWS_PROFILE;
  try {
    await withinTimeout(new STSClient({}).config.credentials(), deadline - Date.now());
  } catch (e) {
    const reason = firstLine(e);
    if (named !== undefined) {
      const flag = profile !== undefined ? '--profile' : 'AWS_PROFILE';
      throw new InputError(`${flag} ${named}: no credentials (${reason}): check the name (aws configure list-profiles), or sign in (aws sso login --profile ${named})`);
    }
    throw new InputError(`no AWS credentials (${reason}): pass --profile NAME or set the standard AWS_* variables; --local reads the local deploy instead`);
  }
}

/**
 * Runs `cdk synth` for the app with the CDK CLI of the current project, into a temporary directory, which is removed
 * when the command exits. Its messages go to stderr as they come; its app is stopped at the deadline.
 */
async function synthesize(app: string, deadline: number): Promise<string> {
  let cdk: string;
  try {
    cdk = require.resolve('aws-cdk/bin/cdk', { paths: [process.cwd()] });
  } catch {
    throw new InputError(`--app needs the CDK CLI in this project (npm install --save-dev aws-cdk), or synthesize yourself and pass --assembly DIR`);
  }
  const out = mkdtempSync(path.join(os.tmpdir(), 'connection-preferences-plan-'));
  // On 'exit', so that every way out removes it: the plan's exit code, an error, a failed synth.
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  // In a process group of its own, so that the app it runs stops with it at the deadline.
  const synth = spawn(process.execPath, [cdk, 'synth', '--app', app, '--output', out, '--quiet'], {
    stdio: ['ignore', 'ignore', 'inherit'], detached: true, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  const timer = setTimeout(() => process.kill(-synth.pid!, 'SIGTERM'), Math.max(0, deadline - Date.now()));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => synth.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  if (signal) throw new InputError(`--app "${app}": cdk synth did not finish within the --timeout; it was stopped`);
  if (code !== 0) throw new InputError(`--app "${app}": cdk synth failed with exit code ${code} (its messages are above): fix the app, or pass --assembly DIR`);
  return out;
}

/** The promise, or an error when the command's whole time has passed: a last guard, as every call has its own deadline. */
async function withinTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InputError(`the plan did not finish within its --timeout of ${Math.round(ms / 1000)} s`)), ms + 2_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Prints and sets the exit code, without process.exit(): a pipe (any CI job's stdout) takes a large output in
 * pieces, and exiting before they are written cuts it. Once they are, a handle that something left open (a socket
 * of a call abandoned at its deadline) cannot keep the command from ending.
 */
async function finish({ code, stdout, stderr }: Outcome): Promise<void> {
  process.exitCode = code;
  // A reader that goes away (`| head`) is no error of ours.
  process.stdout.on('error', () => undefined);
  const write = (stream: NodeJS.WriteStream, text?: string) => new Promise<void>((resolve) => (text ? stream.write(`${text}\n`, () => resolve()) : resolve()));
  await write(process.stderr, stderr);
  await write(process.stdout, stdout);
  setTimeout(() => process.exit(code), 1_000).unref();
}

main(process.argv.slice(2)).then(finish, (e: Error) => finish({
  code: 1,
  stderr: `connection-preferences: ${e instanceof InputError ? e.message : `unexpected error, please report it: ${e.name}: ${firstLine(e)}`}`,
}));

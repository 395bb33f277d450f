import { spawn } from 'child_process';
import * as path from 'path';
import { credentialsOfAccount, DEFAULT_ACCOUNT } from '../emulator/emulator';

/** The command the package ships, as `npx connection-preferences` runs it. */
export const BUNDLE = path.join(__dirname, '..', 'assets', 'cli', 'connection-preferences.js');

export interface CommandRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the shipped command with its stdout and stderr on pipes, as a CI job does, and reads them to the end: output
 * that the command cuts short by exiting early shows here as it would in a CI log.
 */
export function runCommand(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [BUNDLE, ...args], { cwd: options.cwd ?? path.join(__dirname, '..'), env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => child.on('error', reject).on('close', (code) => resolve({
    code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ms: Date.now() - started,
  })));
}

/**
 * The SDK's standard environment for AWS at `endpoint` (an emulator), as a user's would be, without the command's
 * --endpoint: static credentials of the default account, a region, no profile. Per-service variables can then send
 * one service elsewhere.
 */
export function awsEnvironment(endpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { accessKeyId, secretAccessKey } = credentialsOfAccount(DEFAULT_ACCOUNT);
  const env: NodeJS.ProcessEnv = {
    ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra,
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return env;
}

/** An input error: one line on stderr, exit 1, no stack trace, nothing on stdout. */
export function expectInputError(run: CommandRun, ...parts: (string | RegExp)[]): void {
  expect({ code: run.code, stdout: run.stdout, lines: run.stderr.trimEnd().split('\n').length }).toEqual({ code: 1, stdout: '', lines: 1 });
  expect(run.stderr).toMatch(/^connection-preferences: /);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(run.stderr).toMatch(part);
}

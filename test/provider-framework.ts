import { spawn } from 'child_process';
import * as path from 'path';
import { providerEvent } from '../bin/cli/provider-event';
import { handler, type ConnectionPreferencesEvent, type ConnectionPreferencesResponse } from '../lambda';
import type { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';

/**
 * What CloudFormation would receive: the handler's outcome as the Lambda runtime reports it, passed through
 * aws-cdk-lib's own Provider framework code, with the ids at their longest. A helper of the response tests.
 */

/** CloudFormation refuses a custom resource response body over this many bytes. */
export const CLOUDFORMATION_RESPONSE_MAX_BYTES = 4096;

/** The longest ids a response can carry. */
export const LONGEST = {
  /** Partition aws-iso-b, region us-isob-east-1, a 128-character stack name. */
  stackId: `arn:aws-iso-b:cloudformation:us-isob-east-1:123456789012:stack/${'S'.repeat(128)}/0d9c6a3e-8f7b-4c1d-9e2f-3a4b5c6d7e8f`,
  logicalId: 'L'.repeat(255),
  /** CloudFormation's maximum; the handler's own are ARNs of about 100 characters. */
  physicalId: 'P'.repeat(1024),
  /** A 64-character function name, the framework's "Logs: /aws/lambda/<name>". */
  functionArn: `arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:${'F'.repeat(64)}`,
};

/** A thrown error as the Lambda Node.js runtime reports it to the function's invoker. */
export interface RuntimeError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: string[];
}

/** How the runtime serialises an error (aws-lambda-nodejs-runtime-interface-client, Errors.toRapidResponse). */
const runtimeErrorOf = (e: Error): RuntimeError => ({ errorType: e.name, errorMessage: e.message, trace: e.stack!.split('\n') });

/** One invocation: the response or the runtime's error, and the handler's log lines. */
export interface Outcome {
  readonly response?: ConnectionPreferencesResponse;
  readonly error?: RuntimeError;
  readonly logs: Record<string, any>[];
}

/** The handler's log lines, from what it wrote. */
const jsonLines = (lines: unknown[]) => lines.filter((line) => typeof line === 'string' && line.startsWith('{')).map((line) => JSON.parse(line as string));

export type Runner = (event: ConnectionPreferencesEvent, remainingMs?: number) => Promise<Outcome>;

/** The TypeScript source, in this process. The test must have console.log mocked. */
const runSource: Runner = async (event, remainingMs = 120_000) => {
  const logSpy = jest.spyOn(console, 'log');
  const first = logSpy.mock.calls.length;
  const end = Date.now() + remainingMs;
  let outcome: Omit<Outcome, 'logs'>;
  try {
    outcome = { response: await handler(event, { awsRequestId: 'lambda-req-1', getRemainingTimeInMillis: () => end - Date.now() }) };
  } catch (e) {
    outcome = { error: runtimeErrorOf(e as Error) };
  }
  return { ...outcome, logs: jsonLines(logSpy.mock.calls.slice(first).map(([line]) => line)) };
};

// The child side of runBundle: imports the shipped bundle as Lambda does and answers like the runtime.
const BUNDLE_RUNTIME = `
import { pathToFileURL } from 'url';
process.once('message', async ({ file, event, remainingMs }) => {
  const end = Date.now() + remainingMs;
  const context = { awsRequestId: 'lambda-req-1', getRemainingTimeInMillis: () => end - Date.now() };
  const { handler } = await import(pathToFileURL(file).href);
  let reply;
  try {
    reply = { response: await handler(event, context) };
  } catch (e) {
    reply = { error: { errorType: e.name, errorMessage: e.message, trace: e.stack.split('\\n') } };
  }
  // Exit once stdout is flushed: a pipe cut at exit would lose the end of a long log line.
  process.send(reply, () => process.stdout.write('', () => process.exit(0)));
});`;

/** The shipped bundle, in a fresh Node process with the test's environment (rebuild it with `node bin/bundle.mjs`). */
const runBundle: Runner = (event, remainingMs = 120_000) => new Promise((resolve, reject) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BUNDLE_RUNTIME], { env: process.env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let stdout = '';
  let reply: Omit<Outcome, 'logs'> | undefined;
  // Decoded as a stream, so that a character split between two chunks stays whole.
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.on('message', (message: Omit<Outcome, 'logs'>) => { reply = message; });
  // After 'close', the process has exited and its output is all read.
  child.once('close', (code) => {
    try {
      if (!reply) throw new Error(`the bundle's process exited with ${code}`);
      resolve({ ...reply, logs: jsonLines(stdout.split('\n')) });
    } catch (e) {
      reject(e);
    }
  });
  child.send({ file: path.join(__dirname, '..', 'assets', 'handler', 'index.mjs'), event, remainingMs });
});

export const RUNNERS: [string, Runner][] = [['source', runSource], ['bundle', runBundle]];

const RUNTIME = path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), 'custom-resources', 'lib', 'provider-framework', 'runtime');

/**
 * The body that the Provider framework's onEvent sends CloudFormation when the handler answered `outcome`, for a
 * request from the longest stack, logical id and physical id: the framework's own code, with its two outbound
 * calls (invoking the handler, and the PUT to the response URL) replaced. The test must have console.log mocked.
 */
export async function responseBody(outcome: Pick<Outcome, 'response' | 'error'>): Promise<string> {
  // By path (aws-cdk-lib's exports do not list them), and required: the spies must replace the very exports object
  // that the framework's modules share.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const outbound = require(path.join(RUNTIME, 'outbound.js'));
  const framework = require(path.join(RUNTIME, 'framework.js'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const payload = outcome.error ?? outcome.response;
  jest.spyOn(outbound, 'invokeFunction').mockResolvedValue({
    StatusCode: 200,
    ...(outcome.error && { FunctionError: 'Unhandled' }),
    Payload: Buffer.from(JSON.stringify(payload)),
  });
  const bodies: string[] = [];
  jest.spyOn(outbound, 'httpRequest').mockImplementation(async (_options: unknown, body: unknown) => { bodies.push(String(body)); });
  process.env.USER_ON_EVENT_FUNCTION_ARN = LONGEST.functionArn;
  try {
    await framework.onEvent({ ...longestRequest(), ResponseURL: 'https://cloudformation-custom-resource-response.example/signed' });
  } finally {
    delete process.env.USER_ON_EVENT_FUNCTION_ARN;
  }
  expect(bodies).toHaveLength(1);
  return bodies[0];
}

function longestRequest(): ConnectionPreferencesEvent {
  const properties: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'DENY_ALL' };
  return providerEvent(
    { stackId: LONGEST.stackId, serviceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', responseUrl: '' },
    { type: 'Update', logicalId: LONGEST.logicalId, properties, oldProperties: properties, physicalResourceId: LONGEST.physicalId },
  );
}

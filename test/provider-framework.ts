import * as path from 'path';
import { customResourceRequest } from '../emulator/cloudformation-custom-resource';
import { runInLambdaProcess } from '../emulator/lambda-process';
import { RUNTIME_NODE } from './support/events';
import { handler, type ConnectionPreferencesEvent, type ConnectionPreferencesResponse } from '../lambda';
import { RESOURCE_TYPE, type ConnectionPreferencesResourceProperties } from '../lib/resource-properties';

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

/** The shipped bundle, in a fresh Node process as the local Lambda runs it, with the test's environment (rebuild it with `node bin/bundle.mjs`). */
const runBundle: Runner = async (event, remainingMs = 120_000) => {
  let stdout = '';
  const { result, error } = await runInLambdaProcess({
    execPath: RUNTIME_NODE, codeDirectory: path.join(__dirname, '..', 'assets', 'handler'), handler: 'index.handler',
    payload: JSON.stringify(event), requestId: 'lambda-req-1', timeoutMs: remainingMs, env: process.env,
    onLog: (text) => { stdout += text; },
  });
  const outcome = error ? { error: { ...error, trace: error.trace ?? [] } } : { response: JSON.parse(result!) };
  return { ...outcome, logs: jsonLines(stdout.split('\n')) };
};

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
  return customResourceRequest({
    requestType: 'Update', stackId: LONGEST.stackId, logicalId: LONGEST.logicalId, resourceType: RESOURCE_TYPE,
    properties: { ...properties, ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider' },
    oldProperties: properties, physicalResourceId: LONGEST.physicalId,
  }) as ConnectionPreferencesEvent;
}

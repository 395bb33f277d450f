import * as path from 'path';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { determineLatestNodeRuntime } from 'aws-cdk-lib/aws-lambda';
import { App, Stack } from 'aws-cdk-lib';
import { NODE_OF_RUNTIME } from '../emulator/lambda-runtimes';
import { useEmulator } from './support/emulator-environment';

jest.setTimeout(30_000);

/** The local Lambda through the real SDK client, with the provider of test/fixtures as the function. */
const { emulator, newAccount } = useEmulator();
const CODE = path.join(__dirname, 'fixtures', 'custom-resource-provider');
let functions = 0;

function createFunction(account: string, settings: { timeout?: number; runtime?: string } = {}) {
  const name = `fn-${++functions}`;
  emulator.lambda.putFunction({
    FunctionName: name, Runtime: settings.runtime ?? 'nodejs24.x', Handler: 'index.handler', Role: `arn:aws:iam::${account}:role/fn`,
    Timeout: settings.timeout ?? 10, MemorySize: 128, Variables: { GREETING: 'hello' }, LogGroup: `/aws/lambda/${name}`, CodeDirectory: CODE,
    account, region: 'eu-west-1',
  });
  return name;
}
const lambda = () => new LambdaClient({ region: 'eu-west-1', maxAttempts: 1 });
const invoke = (name: string, payload: object) => lambda().send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(payload) }));
const payloadOf = (response: { Payload?: Uint8Array }) => JSON.parse(Buffer.from(response.Payload!).toString());
const logOf = (name: string) => (emulator.lambda.logs.get(`/aws/lambda/${name}`) ?? []).join('');

test('a function error is reported as Lambda reports it: FunctionError, errorType, errorMessage, trace', async () => {
  const name = createFunction(newAccount());
  const response = await invoke(name, { ResourceProperties: { Mode: 'throw' } });

  expect(response.StatusCode).toBe(200);
  expect(response.FunctionError).toBe('Unhandled');
  const error = payloadOf(response);
  expect(error).toMatchObject({ errorType: 'Error', errorMessage: 'the provider failed before responding' });
  expect(error.trace[0]).toBe('Error: the provider failed before responding');
  expect(error.trace[1]).toMatch(/^ {4}at handler \(file:.*index\.mjs/);
});

test('a function that outlives its timeout is stopped and reported as timed out', async () => {
  const name = createFunction(newAccount(), { timeout: 1 });
  const started = Date.now();
  const response = await invoke(name, { ResourceProperties: { Mode: 'silent' } });

  expect(response.FunctionError).toBe('Unhandled');
  expect(payloadOf(response)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/) });
  expect(Date.now() - started).toBeLessThan(5_000);
});

test('the function runs on the Node major of its runtime, the one aws-cdk-lib declares, with its environment and role', async () => {
  const runtime = determineLatestNodeRuntime(new Stack(new App(), 'Runtime')).name;
  expect(Object.keys(NODE_OF_RUNTIME)).toContain(runtime);
  const account = newAccount();
  const name = createFunction(account, { runtime });

  await invoke(name, { ResourceProperties: { Mode: 'throw' } });

  const received = JSON.parse(logOf(name).split('\n').find((line) => line.startsWith('{"received"'))!);
  expect(received.node.split('.')[0]).toBe(`v${/^nodejs(\d+)\.x$/.exec(runtime)![1]}`);
  expect(emulator.lambda.invocations.filter((i) => i.functionName === name).every((i) => i.nodeMatchesRuntime)).toBe(true);
  // The execution role's credentials are temporary ones of the function's account.
  expect(emulator.issuedCredentials.at(-1)).toMatchObject({ roleArn: `arn:aws:iam::${account}:role/fn`, accessKeyId: expect.stringMatching(new RegExp(`^ASIA.*${account}$`)) });
});

test('GetFunction answers the configuration the Provider framework waits on; an unknown function is not found', async () => {
  const name = createFunction(newAccount());
  const { Configuration } = await lambda().send(new GetFunctionCommand({ FunctionName: name }));
  expect(Configuration).toMatchObject({ FunctionName: name, State: 'Active', LastUpdateStatus: 'Successful', Runtime: 'nodejs24.x', Environment: { Variables: { GREETING: 'hello' } } });
  await expect(invoke('no-such-function', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
});

test('a lost answer: the function ran, the connection drops, and the SDK\'s retry runs it again', async () => {
  const name = createFunction(newAccount());
  emulator.lambda.inject({ kind: 'lose-answer', count: 1 });
  const response = await new LambdaClient({ region: 'eu-west-1', maxAttempts: 2 })
    .send(new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ ResourceProperties: { Mode: 'throw' } }) }));

  expect(response.FunctionError).toBe('Unhandled');
  expect(emulator.lambda.invocations.filter((i) => i.functionName === name).map((i) => i.outcome)).toEqual(['lost', 'Error']);
});

test('reserved environment variables, a timeout over 900 s and memory under 128 MB are refused', () => {
  const base = { FunctionName: 'bad', Runtime: 'nodejs24.x', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/r', MemorySize: 128, LogGroup: '/aws/lambda/bad', CodeDirectory: CODE, account: '123456789012', region: 'eu-west-1' };
  expect(() => emulator.lambda.putFunction({ ...base, Timeout: 10, Variables: { AWS_REGION: 'us-east-1' } })).toThrow(/reserved keys: AWS_REGION/);
  expect(() => emulator.lambda.putFunction({ ...base, Timeout: 901, Variables: {} })).toThrow(/between 1 and 900/);
  expect(() => emulator.lambda.putFunction({ ...base, Timeout: 10, MemorySize: 64, Variables: {} })).toThrow(/between 128 and 10240 MB/);
});

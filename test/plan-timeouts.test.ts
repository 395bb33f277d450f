import * as http from 'http';
import { AddressInfo } from 'net';
import { Stack } from 'aws-cdk-lib';
import { Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { awsEnvironment, runCommand } from './plan-command';
import { synthesizeApp } from './support/synth';

jest.setTimeout(60_000);

const TIMEOUT_S = 6;
/** Each call gets a third of --timeout. */
const CALL_LIMIT_S = TIMEOUT_S / 3;

let emulator: Emulator;
let silent: http.Server;
let silentUrl: string;
/** Requests the silent server received: proof that the call reached it, and so that the wait was for its answer. */
let received: string[];

beforeAll(async () => {
  emulator = new Emulator();
  await emulator.start();
  // Accepts connections and reads requests, and never answers.
  received = [];
  silent = http.createServer((req) => received.push(`${req.method} ${req.headers.authorization?.match(/\/(sts|cloudformation|partnercentral-account)\//)?.[1]}`));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
  await emulator.stop();
});
beforeEach(() => {
  received.length = 0;
});

/** Three stacks, each with a resource that assumes a role: every service is called for each. */
const assembly = () => synthesizeApp(Object.fromEntries(['A', 'B', 'C'].map((name, i) => [name, (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', {
  accessType: AccessType.DENY_ALL, assumeRoleArn: `arn:aws:iam::22222222222${i}:role/Preferences`,
})])));

describe.each([
  ['STS', 'AWS_ENDPOINT_URL_STS', 'AssumeRole', 'sts'],
  ['CloudFormation', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'GetTemplate', 'cloudformation'],
  ['Partner Central', 'AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT', 'GetConnectionPreferences', 'partnercentral-account'],
])('%s at an endpoint that never answers', (service, variable, operation, scope) => {
  test('exit 1 within one call\'s limit, naming the call and the endpoint, for every resource', async () => {
    const run = await runCommand(['plan', '--assembly', assembly(), '--timeout', String(TIMEOUT_S)], { env: awsEnvironment(emulator.url, { [variable]: silentUrl }) });

    expect(run.code).toBe(1);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r === `POST ${scope}`)).toBe(true);
    // The first call to wait names the endpoint and its limit; the others are not sent to it again.
    expect(run.stdout).toContain(`! error: ${service} ${operation} `);
    expect(run.stdout).toContain(`got no answer from ${silentUrl} within ${CALL_LIMIT_S} s, the limit of one call: check that the endpoint is reachable and answers`);
    expect(run.stdout.match(/! error: /g)).toHaveLength(3);
    expect(run.stdout).toContain('Plan: 0 to change, 0 unchanged, 3 errors');
    // One call's limit and the command's start-up: well within --timeout.
    expect(run.ms).toBeLessThan((CALL_LIMIT_S + 3) * 1000);
  });
});

test('at --concurrency 1, an endpoint that hung once is not waited on for the next stacks', async () => {
  const run = await runCommand(['plan', '--assembly', assembly(), '--timeout', String(TIMEOUT_S), '--concurrency', '1'],
    { env: awsEnvironment(emulator.url, { AWS_ENDPOINT_URL_CLOUDFORMATION: silentUrl }) });
  expect(run.code).toBe(1);
  expect(received).toEqual(['POST cloudformation']);
  expect(run.stdout.match(/not tried: CloudFormation GetTemplate of stack A got no answer from/g)).toHaveLength(2);
  expect(run.ms).toBeLessThan((CALL_LIMIT_S + 3) * 1000);
});

test('the whole plan stays within --timeout when every call is slow but answers', async () => {
  // Each call answers after 1 s, within a call's limit (5/3 s); 3 resources one at a time need 2 s each.
  emulator.settings.latencyMs = 1_000;
  try {
    const run = await runCommand(['plan', '--assembly', assembly(), '--timeout', '5', '--concurrency', '1'], { env: awsEnvironment(emulator.url) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/! error: (STS AssumeRole|Partner Central GetConnectionPreferences) .*(got no answer|not tried).*--timeout of 5 s/);
    expect(run.stdout).toContain('A/Prefs  (AWS catalog of 222222222220, live revision 0)\n  ~ access type: ALLOW_ALL → DENY_ALL');
    expect(run.ms).toBeLessThan(5_000 + 3_000);
  } finally {
    emulator.settings.latencyMs = 0;
  }
});

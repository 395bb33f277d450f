import * as http from 'http';
import { AddressInfo } from 'net';
import { Stack } from 'aws-cdk-lib';
import { Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { DEFAULT_CONCURRENCY, planAssembly } from '../bin/cli/plan';
import { synthesizeApp } from './support/synth';

jest.setTimeout(120_000);

const STACKS = 48;
const LATENCY_MS = 100;
const accountOf = (i: number) => String(400000000000 + i);
/** Names that sort as declared, since the assembly lists its stacks by name. */
const stackName = (i: number) => `Partner${String(i).padStart(3, '0')}`;

let emulator: Emulator;
let proxy: http.Server;
let proxyUrl: string;
/** Requests in flight at the emulator, and the most at once. */
const inFlight = { now: 0, most: 0 };
let assembly: string;

beforeAll(async () => {
  emulator = new Emulator({ latencyMs: LATENCY_MS });
  const emulatorUrl = await emulator.start();
  // Forwards to the emulator and counts the requests it holds at once.
  proxy = http.createServer((req, res) => {
    inFlight.most = Math.max(inFlight.most, ++inFlight.now);
    const upstream = http.request(`${emulatorUrl}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
      answer.on('end', () => inFlight.now--);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // Each stack manages another account through a role, as the central-account pattern does.
  assembly = synthesizeApp(Object.fromEntries(Array.from({ length: STACKS }, (_, i) => [stackName(i), (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', {
    accessType: AccessType.DENY_ALL, assumeRoleArn: `arn:aws:iam::${accountOf(i)}:role/Preferences`,
  })])));
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await emulator.stop();
});
beforeEach(() => {
  inFlight.most = 0;
});

test('reads at most --concurrency resources at once, each with at most two calls in flight, and keeps the declaration order', async () => {
  const report = await planAssembly(assembly, { concurrency: 4, emulatorEndpoint: proxyUrl });

  expect(report.resources.map((r) => [r.stack, r.account, r.status])).toEqual(Array.from({ length: STACKS }, (_, i) => [stackName(i), accountOf(i), 'change']));
  expect(inFlight.most).toBeGreaterThan(4);
  expect(inFlight.most).toBeLessThanOrEqual(2 * 4);
  // How long that takes is the benchmark's to measure (planRatio100), not a test's.
});

test('one at a time with --concurrency 1, and the default reads all these stacks at once', async () => {
  await planAssembly(assembly, { concurrency: 1, emulatorEndpoint: proxyUrl });
  expect(inFlight.most).toBeLessThanOrEqual(2);
  inFlight.most = 0;
  await planAssembly(assembly, { emulatorEndpoint: proxyUrl });
  expect(DEFAULT_CONCURRENCY).toBe(20);
  expect(inFlight.most).toBeGreaterThan(DEFAULT_CONCURRENCY);
  expect(inFlight.most).toBeLessThanOrEqual(2 * DEFAULT_CONCURRENCY);
});

test('planAssembly leaves the environment as it found it', async () => {
  const before = { ...process.env };
  await planAssembly(assembly, { concurrency: 8, emulatorEndpoint: proxyUrl });
  expect(process.env).toEqual(before);
});

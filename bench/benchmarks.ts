import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { gzipSync } from 'zlib';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONCURRENCY, planAssembly } from '../bin/cli/plan';
import { customResourceRequest } from '../emulator/cloudformation-custom-resource';
import { credentialsOfAccount, Emulator } from '../emulator/emulator';
import { runInLambdaProcess } from '../emulator/lambda-process';
import { SAFETY_MARGIN_MS } from '../lambda/deadline';
import { AccessType, Catalog, ConnectionPreferences } from '../lib';
import { ConnectionPreferencesResourceProperties, RESOURCE_TYPE } from '../lib/resource-properties';

const ROOT = path.join(__dirname, '..');
const BUNDLE_DIR = path.join(ROOT, 'assets', 'handler');
const BENCH_STACK_ID = 'arn:aws:cloudformation:eu-west-1:111111111111:stack/Bench/1';

export interface BenchSizes {
  /** Fresh-process loads of the bundle and of an empty module, each. */
  readonly requireRuns: number;
  /** Synths of each app, each. */
  readonly synthRuns: number;
  /** Stacks in the large synth app. */
  readonly synthStacks: number;
  readonly contentionWriters: number;
  /** The Lambda's remaining time when the failure cases start. */
  readonly budgetMs: number;
  /** Stacks in the large plan, each managing another account through a role. */
  readonly planStacks: number;
  /** Plans of each app, each. */
  readonly planRuns: number;
}

export const FULL: BenchSizes = { requireRuns: 20, synthRuns: 3, synthStacks: 100, contentionWriters: 8, budgetMs: 30_000, planStacks: 100, planRuns: 3 };
export const TINY: BenchSizes = { requireRuns: 2, synthRuns: 1, synthStacks: 2, contentionWriters: 3, budgetMs: SAFETY_MARGIN_MS + 1_500, planStacks: 3, planRuns: 1 };

/** The latency the emulator adds to every call while plans are measured: a remote service's, roughly. */
const PLAN_LATENCY_MS = 100;

export type Results = Record<string, number | string>;

/** Runs every measurement; `progress` hears what is being measured. */
export async function runBenchmarks(sizes: BenchSizes, progress: (what: string) => void = () => undefined): Promise<Results> {
  // Every folder the benchmark makes (synthesized apps, an empty module) is in this one, removed at the end.
  workDirectory = mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  try {
    progress('bundle');
    const bundle = bundleFigures();
    progress('load time');
    const load = loadFigures(sizes.requireRuns);
    progress('API calls, contention and failures against the emulator');
    const api = await apiFigures(sizes);
    progress('synth');
    const synth = synthFigures(sizes);
    progress(`plan, with ${PLAN_LATENCY_MS} ms per call`);
    const plan = await planFigures(sizes);
    progress('resources');
    return {
      ...bundle, ...load, ...api, ...synth, ...plan, ...resourceFigures(),
      synthStacks: sizes.synthStacks, planStacks: sizes.planStacks, node: process.version, cpus: cpuModel(),
    };
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

let workDirectory = '';

/** What a role-less invocation loads (the entry and its static imports) and what the asset ships in all. */
function bundleFigures(): Results {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const code = readFileSync(file, 'utf8');
    // Static imports only ("from" or a bare import of a path); import("...") chunks load on demand.
    for (const [, specifier] of code.matchAll(/(?:from|import)\s*"(\.{1,2}\/[^"]+)"/g)) visit(path.resolve(path.dirname(file), specifier));
  };
  visit(path.join(BUNDLE_DIR, 'index.mjs'));
  const all = readdirSync(BUNDLE_DIR, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const bytes = (files: string[]) => files.reduce((sum, f) => sum + statSync(f).size, 0);
  const gzipBytes = (files: string[]) => files.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
  return {
    bundleBytes: bytes([...loaded]),
    bundleGzipBytes: gzipBytes([...loaded]),
    bundleFiles: loaded.size,
    assetBytes: bytes(all),
    assetGzipBytes: gzipBytes(all),
    assetFiles: all.length,
  };
}

/** Median time to import the bundle in a fresh Node process, against an empty module, interleaved. */
function loadFigures(runs: number): Results {
  const empty = path.join(tempDir('bench-empty-'), 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const timeImport = (file: string) => {
    const script = `const t=process.hrtime.bigint();import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6)))`;
    const { stdout, status, stderr } = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    if (status !== 0) throw new Error(`importing ${file} failed: ${stderr}`);
    return Number(stdout);
  };
  const bundle: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    bundle.push(timeImport(path.join(BUNDLE_DIR, 'index.mjs')));
    baseline.push(timeImport(empty));
  }
  const requireMs = median(bundle);
  const emptyRequireMs = median(baseline);
  return { requireMs: round(requireMs), emptyRequireMs: round(emptyRequireMs), requireRatio: round(requireMs / emptyRequireMs), requireRuns: runs };
}

/** API calls per case, 8 writers at once, and how long failures take, with the shipped bundle against the emulator. */
async function apiFigures(sizes: BenchSizes): Promise<Results> {
  const emulator = new Emulator();
  const url = await emulator.start();
  let accounts = 0;
  const newAccount = () => String(200000000000 + ++accounts);
  const invoke = async (account: string, type: 'Create' | 'Delete', properties: ConnectionPreferencesResourceProperties, remainingMs = 60_000) => {
    const request = customResourceRequest({
      requestType: type, stackId: BENCH_STACK_ID, logicalId: 'Prefs', resourceType: RESOURCE_TYPE, properties: { ...properties, ServiceToken: 'bench' },
      physicalResourceId: `arn:aws:partnercentral:us-east-1:${account}:catalog/AWS/connection-preferences`,
    });
    const { result, error } = await runInLambdaProcess({
      execPath: process.execPath, codeDirectory: BUNDLE_DIR, handler: 'index.handler', requestId: 'bench', timeoutMs: remainingMs,
      payload: JSON.stringify({ ...request, ResponseURL: 'https://bench.invalid' }),
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT: url,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: credentialsOfAccount(account).accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentialsOfAccount(account).secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    if (error) throw new Error(error.errorMessage);
    return JSON.parse(result!);
  };
  const callsDuring = async (account: string, run: () => Promise<unknown>) => {
    await run();
    return emulator.calls.filter((c) => c.account === account).length;
  };
  const DENY_SOME = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-1'] };

  try {
    const changed = newAccount();
    const callsPerChange = await callsDuring(changed, () => invoke(changed, 'Create', DENY_SOME));
    const before = emulator.calls.length;
    await invoke(changed, 'Create', DENY_SOME);
    const callsPerNoop = emulator.calls.length - before;
    const deleted = emulator.calls.length;
    await invoke(changed, 'Delete', { ...DENY_SOME, RemovalPolicy: 'retain' });
    const callsPerDeleteRetain = emulator.calls.length - deleted;
    const conflicted = newAccount();
    emulator.inject({ kind: 'competing-write', count: 1 });
    const callsPerOneConflict = await callsDuring(conflicted, () => invoke(conflicted, 'Create', DENY_SOME));

    const contended = newAccount();
    const declared = Array.from({ length: sizes.contentionWriters }, (_, i): ConnectionPreferencesResourceProperties => (i === 0
      ? { Catalog: 'AWS', AccessType: 'DENY_ALL' }
      : { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: [`p-${i}`] }));
    const outcomes = await Promise.all(declared.map(async (properties) => {
      const started = Date.now();
      const response = await invoke(contended, 'Create', properties).catch(() => undefined);
      return { properties, response, ms: Date.now() - started };
    }));
    const history = emulator.writes.filter((w) => w.account === contended);
    const succeeded = outcomes.filter((o) => o.response);
    const lost = succeeded.filter((o) => !history.some((w) => w.revision === Number(o.response.Data.Revision)
      && w.AccessType === o.properties.AccessType
      && JSON.stringify(w.ExcludedParticipantIds) === JSON.stringify(o.properties.ExcludedParticipantIdentifiers ?? [])));
    const latencies = outcomes.map((o) => o.ms);

    const timeToFailure = async (fault: 'internal-error' | 'competing-write') => {
      const account = newAccount();
      emulator.inject({ kind: fault, count: 1_000_000 });
      const started = Date.now();
      await invoke(account, 'Create', DENY_SOME, sizes.budgetMs).then(() => { throw new Error(`${fault}: the handler did not fail`); }, () => undefined);
      emulator.clearFaults();
      return Date.now() - started;
    };

    return {
      callsPerChange, callsPerNoop, callsPerDeleteRetain, callsPerOneConflict,
      contentionWriters: sizes.contentionWriters,
      contentionSucceeded: succeeded.length,
      contentionLostWrites: lost.length,
      contentionP50Ms: percentile(latencies, 50),
      contentionP95Ms: percentile(latencies, 95),
      apiDownFailMs: await timeToFailure('internal-error'),
      conflictStormFailMs: await timeToFailure('competing-write'),
      deadlineMs: sizes.budgetMs,
    };
  } finally {
    await emulator.stop();
  }
}

/** Synth of an app with 1 and with N stacks, each with and without a ConnectionPreferences, in fresh processes. */
function synthFigures(sizes: BenchSizes): Results {
  const synth = (stacks: number, mode: 'with' | 'without') => {
    const outdir = tempDir('bench-synth-');
    const started = process.hrtime.bigint();
    const { status, stderr } = spawnSync(process.execPath, [path.join(__dirname, 'synth-app.js'), String(stacks), mode, outdir], { encoding: 'utf8' });
    if (status !== 0) throw new Error(`synth of ${stacks} stacks ${mode} failed: ${stderr}`);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, outdir };
  };
  const times: Record<string, number[]> = { with1: [], without1: [], withN: [], withoutN: [] };
  let largeAssembly = '';
  for (let i = 0; i < sizes.synthRuns; i++) {
    times.with1.push(synth(1, 'with').ms);
    times.without1.push(synth(1, 'without').ms);
    const large = synth(sizes.synthStacks, 'with');
    times.withN.push(large.ms);
    largeAssembly = large.outdir;
    times.withoutN.push(synth(sizes.synthStacks, 'without').ms);
  }
  const handlerAssets = readdirSync(largeAssembly).filter((entry) => {
    const dir = path.join(largeAssembly, entry);
    return entry.startsWith('asset.') && statSync(dir).isDirectory() && readdirSync(dir).includes('index.mjs');
  });
  return {
    synthMs1: round(median(times.with1)),
    synthMsWithout1: round(median(times.without1)),
    synthRatio1: round(median(times.with1) / median(times.without1)),
    synthMs100: round(median(times.withN)),
    synthMsWithout100: round(median(times.withoutN)),
    synthRatio100: round(median(times.withN) / median(times.withoutN)),
    handlerAssetsInAssembly: handlerAssets.length,
  };
}

/**
 * `connection-preferences plan` over 1 and over N stacks, each managing another account through assumeRoleArn,
 * against the emulator with PLAN_LATENCY_MS per call (GetTemplate, AssumeRole, GetConnectionPreferences), with the
 * command's default concurrency. Read one by one, N stacks would take about N times as long as one.
 */
async function planFigures(sizes: BenchSizes): Promise<Results> {
  // In this process: the plan's own cost is measured, not the synth's.
  const assemblyOf = (stacks: number) => {
    const app = new App({ outdir: tempDir('bench-plan-') });
    for (let i = 0; i < stacks; i++) {
      const stack = new Stack(app, `Partner${i}`, { env: { account: '111111111111', region: 'us-east-1' } });
      new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL, assumeRoleArn: `arn:aws:iam::${100000000000 + i}:role/PartnerCentralConnectionPreferences` });
    }
    return app.synth().directory;
  };
  const [one, many] = [assemblyOf(1), assemblyOf(sizes.planStacks)];
  const emulator = new Emulator({ latencyMs: PLAN_LATENCY_MS });
  const emulatorEndpoint = await emulator.start();
  try {
    const plan = async (assembly: string) => {
      const started = process.hrtime.bigint();
      const report = await planAssembly(assembly, { emulatorEndpoint });
      if (report.exitCode === 1) throw new Error(`plan failed: ${report.resources.find((r) => r.error)?.error}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await plan(one); // The first plan in a process loads the SDK clients.
    const times = { one: [] as number[], many: [] as number[] };
    for (let i = 0; i < sizes.planRuns; i++) {
      times.one.push(await plan(one));
      times.many.push(await plan(many));
    }
    return {
      planMs1: round(median(times.one)),
      planMs100: round(median(times.many)),
      planRatio100: round(median(times.many) / median(times.one)),
      planConcurrency: DEFAULT_CONCURRENCY,
    };
  } finally {
    await emulator.stop();
  }
}

/** Resources the construct adds to a stack, and what another one in the same stack adds. */
function resourceFigures(): Results {
  const count = (instances: number) => {
    const stack = new Stack(new App({ outdir: tempDir('resources-') }), 'Partner');
    new CfnWaitConditionHandle(stack, 'Baseline');
    [Catalog.AWS, Catalog.SANDBOX].slice(0, instances).forEach((catalog) =>
      new ConnectionPreferences(stack, `Prefs${catalog}`, { accessType: AccessType.DENY_ALL, catalog }));
    return Object.keys(Template.fromStack(stack).toJSON().Resources ?? {}).filter((id) => id !== 'CDKMetadata').length;
  };
  const [none, one, two] = [count(0), count(1), count(2)];
  return { resourcesPerStack: one - none, resourcesPerExtraInstance: two - one };
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function cpuModel(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`;
}

function tempDir(prefix: string): string {
  return mkdtempSync(path.join(workDirectory, prefix));
}

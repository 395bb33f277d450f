import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Emulator } from '../emulator/emulator';
import { AccessType, Catalog, ConnectionPreferences, DriftPolicy } from '../lib';
import { deployLocally } from '../bin/cli/local-deploy';
import { planAssembly, ResourcePlan } from '../bin/cli/plan';
import { tempDir } from './support/synth';

jest.setTimeout(180_000);

const { ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME: DENY_SOME } = AccessType;

interface Declaration {
  readonly accessType: AccessType;
  readonly excluded?: string[];
  readonly driftPolicy?: DriftPolicy;
  readonly catalog?: Catalog;
}
interface Case {
  readonly name: string;
  /** What the last deploy declared; none when the stack is not deployed yet. */
  readonly deployed?: Declaration;
  /** What the live preferences are now (changed outside the stack, or not), in the declared catalog. */
  readonly live: { readonly accessType: AccessType; readonly excluded: string[] };
  readonly declared: Declaration;
}

/** What a deploy does to one resource, as the emulator's CloudFormation and the handler showed it, or as plan foretells it. */
interface Outcome {
  readonly invoked: boolean;
  readonly writes: boolean;
  /** The handler met a change made outside the stack (and overwrote it, or failed). */
  readonly drift: boolean;
  readonly fails: boolean;
}

const FAIL = DriftPolicy.FAIL;
const CASES: Case[] = [
  { name: 'Same', deployed: { accessType: DENY_SOME, excluded: ['a', 'b'] }, live: { accessType: DENY_SOME, excluded: ['a', 'b'] }, declared: { accessType: DENY_SOME, excluded: ['a', 'b'] } },
  { name: 'Reordered', deployed: { accessType: DENY_SOME, excluded: ['a', 'b'] }, live: { accessType: DENY_SOME, excluded: ['a', 'b'] }, declared: { accessType: DENY_SOME, excluded: ['b', 'a'] } },
  { name: 'AccessType', deployed: { accessType: ALLOW_ALL }, live: { accessType: ALLOW_ALL, excluded: [] }, declared: { accessType: DENY_ALL } },
  // Exclusions another writer stored with ALLOW_ALL are a difference like any other: not AlreadyApplied (the soak
  // found them ignored).
  { name: 'AllowAllExclusions', deployed: { accessType: DENY_ALL, driftPolicy: FAIL }, live: { accessType: ALLOW_ALL, excluded: ['x'] }, declared: { accessType: ALLOW_ALL, driftPolicy: FAIL } },
  { name: 'DriftOverwrite', deployed: { accessType: DENY_SOME, excluded: ['a'] }, live: { accessType: DENY_SOME, excluded: ['a', 'c'] }, declared: { accessType: DENY_SOME, excluded: ['a', 'b'] } },
  { name: 'DriftFail', deployed: { accessType: DENY_SOME, excluded: ['a'], driftPolicy: FAIL }, live: { accessType: DENY_SOME, excluded: ['a', 'c'] }, declared: { accessType: DENY_SOME, excluded: ['a', 'b'], driftPolicy: FAIL } },
  { name: 'DriftKept', deployed: { accessType: DENY_ALL }, live: { accessType: ALLOW_ALL, excluded: [] }, declared: { accessType: DENY_ALL } },
  { name: 'AlreadyApplied', deployed: { accessType: DENY_ALL, driftPolicy: FAIL }, live: { accessType: ALLOW_ALL, excluded: [] }, declared: { accessType: ALLOW_ALL, driftPolicy: FAIL } },
  { name: 'DriftReordered', deployed: { accessType: DENY_SOME, excluded: ['a', 'b'], driftPolicy: FAIL }, live: { accessType: DENY_SOME, excluded: ['b', 'a'] }, declared: { accessType: DENY_SOME, excluded: ['a', 'b', 'c'], driftPolicy: FAIL } },
  { name: 'OtherCatalog', deployed: { accessType: DENY_ALL, driftPolicy: FAIL }, live: { accessType: ALLOW_ALL, excluded: [] }, declared: { accessType: DENY_ALL, driftPolicy: FAIL, catalog: Catalog.SANDBOX } },
  { name: 'NewDiffers', live: { accessType: ALLOW_ALL, excluded: [] }, declared: { accessType: DENY_ALL } },
  { name: 'NewSame', live: { accessType: DENY_ALL, excluded: [] }, declared: { accessType: DENY_ALL } },
];
const accountOf = (c: Case) => String(600000000000 + CASES.indexOf(c));
const catalogOf = (d: Declaration) => d.catalog ?? Catalog.AWS;

/** An app with a stack per case, in the case's own account, declaring `which` of its declarations. */
function appOf(which: 'deployed' | 'declared'): string {
  const outdir = tempDir(`decisions-${which}-`);
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
  for (const c of CASES) {
    const declaration = c[which];
    if (!declaration) continue;
    new ConnectionPreferences(new Stack(app, c.name, { env: { account: accountOf(c), region: 'eu-west-1' } }), 'Prefs', {
      accessType: declaration.accessType, excludedParticipantIdentifiers: declaration.excluded, driftPolicy: declaration.driftPolicy, catalog: declaration.catalog,
    });
  }
  app.synth();
  return outdir;
}

test('plan foretells what the handler, run by CloudFormation through the emulator, does in every case', async () => {
  const stateDir = tempDir('decisions-state-');
  expect(await deployLocally({ assemblyDir: appOf('deployed'), stateDir, print: () => undefined })).toBe(true);
  const state = new Emulator({}, stateDir);
  for (const c of CASES) {
    state.writeOutside(accountOf(c), catalogOf(c.declared), { AccessType: c.live.accessType, ExcludedParticipantIds: c.live.excluded });
  }
  const revisionsBefore = CASES.map((c) => state.preferences(accountOf(c), catalogOf(c.declared)).Revision);
  const declared = appOf('declared');

  // The plan, through its decision function, against the state before the deploy.
  const emulator = new Emulator({}, stateDir);
  const report = await planAssembly(declared, { emulatorEndpoint: await emulator.start() }).finally(() => emulator.stop());
  const planned = CASES.map((c) => foretold(report.resources.find((r) => r.stack === c.name)!));

  // The deploy, through the emulator's CloudFormation, the Provider framework and the handler.
  const output: string[] = [];
  await deployLocally({ assemblyDir: declared, stateDir, print: (line) => output.push(line) });
  const after = new Emulator({}, stateDir);
  const deployed = CASES.map((c, i): Outcome => {
    const section = sectionOf(output, c.name);
    return {
      invoked: !section.includes(': no change (not invoked)'),
      writes: after.preferences(accountOf(c), catalogOf(c.declared)).Revision > revisionsBefore[i],
      drift: handlerLogOf(stateDir, c.name).includes('"message":"drift"'),
      fails: /FAILED\n {4}reason {2}The \w+ connection preferences were changed outside this stack/.test(section),
    };
  });

  expect(Object.fromEntries(CASES.map((c, i) => [c.name, planned[i]]))).toEqual(Object.fromEntries(CASES.map((c, i) => [c.name, deployed[i]])));
  // The table covers every outcome (not invoked; invoked without writing; writing; overwriting an outside change;
  // failing on one), so that agreeing means something.
  expect(new Set(deployed.map((o) => JSON.stringify(o))).size).toBe(5);
  expect(Object.fromEntries(report.resources.map((r) => [r.stack, r.status]))).toEqual({
    Same: 'unchanged', Reordered: 'unchanged', AccessType: 'change', AllowAllExclusions: 'blocked', DriftOverwrite: 'change', DriftFail: 'blocked',
    DriftKept: 'out-of-sync', AlreadyApplied: 'unchanged', DriftReordered: 'change', OtherCatalog: 'change', NewDiffers: 'change', NewSame: 'unchanged',
  });
});

/** What the plan says a deploy does. */
function foretold(plan: ResourcePlan): Outcome {
  return {
    invoked: plan.request !== 'none',
    writes: plan.status === 'change',
    drift: plan.drift !== undefined && plan.drift.deploy !== 'leaves',
    fails: plan.status === 'blocked',
  };
}

/** The local deploy's lines about one stack. */
function sectionOf(output: string[], stackName: string): string {
  const start = output.findIndex((line) => line.startsWith(`${stackName} (account `));
  const end = output.findIndex((line, i) => i > start && /^\S+ \(account /.test(line));
  return output.slice(start, end < 0 ? undefined : end).join('\n');
}

/** What the handler function of a stack logged, in every run. */
function handlerLogOf(stateDir: string, stackName: string): string {
  const logs = path.join(stateDir, 'lambda', 'logs');
  return readdirSync(logs).filter((f) => f.startsWith(`aws_lambda_${stackName}-`)).map((f) => readFileSync(path.join(logs, f), 'utf8')).join('\n');
}

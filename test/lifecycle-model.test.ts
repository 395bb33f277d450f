import { execFile } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as fc from 'fast-check';
import { Emulator } from '../emulator/emulator';
import { runSequence } from './support/lifecycle/run';
import { Declaration, Sequence, sequenceArbitrary } from './support/lifecycle/steps';
import { TemplateFactory, World } from './support/lifecycle/world';
import { tempDir } from './support/synth';

jest.setTimeout(300_000);

/**
 * The lifecycle model (test/support/lifecycle), a small fixed-seed sample of it: random sequences of deploys,
 * deletes, moves, replacements, concurrent pipelines, outside writes, faults and hostile properties, through the whole
 * chain, with the promise checked after every step. `npm run soak` runs a thousand; a failing sequence shrinks to a
 * minimal one, printed with its seed to replay. What the soak found is kept below, as the sequences it shrank to.
 */
const SEED = 20261126;
const RUNS = 6;
const MAX_STEPS = 5;

const emulator = new Emulator();
let world: World;
beforeAll(async () => {
  await emulator.start();
  world = new World(emulator, TemplateFactory.synthesize(), 300_000_000_000);
});
afterAll(() => emulator.stop());

test('random lifecycles through the chain keep the promise after every step', async () => {
  const totals = { sequences: 0, steps: 0, faultsInjected: 0, hostileInputs: 0 };
  await fc.assert(fc.asyncProperty(sequenceArbitrary(MAX_STEPS), async (sequence) => {
    const outcome = await runSequence(world, sequence);
    totals.sequences += 1;
    totals.steps += outcome.steps;
    totals.faultsInjected += outcome.faultsInjected;
    totals.hostileInputs += outcome.hostileInputs;
    if (outcome.problems.length > 0) throw new Error(outcome.problems.join('\n'));
  }), { seed: SEED, numRuns: RUNS });
  // The sample must go beyond first deploys: more steps than sequences, faults and hostile input among them.
  expect(totals.steps).toBeGreaterThan(totals.sequences);
  expect(totals.faultsInjected).toBeGreaterThan(0);
  expect(totals.hostileInputs).toBeGreaterThan(totals.sequences);
});

const declared = (overrides: Partial<Declaration>): Declaration => ({
  target: 'own', catalog: 'AWS', accessType: 'ALLOW_ALL', excluded: [], removalPolicy: 'retain', driftPolicy: 'overwrite', moved: false, ...overrides,
});
const settings: Sequence['settings'] = {
  initialRevision: 0, initialPreferences: { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] },
  exclusionsWithoutDenySome: 'accept', exclusionOrder: 'as-written', identifierCase: 'as-written', rollbackCleanupTemplate: 'attempted',
};

describe('found by the soak', () => {
  test('exclusions another writer stored with ALLOW_ALL are cleared by the next Update, and DESTROY leaves none', async () => {
    // The handler compared exclusions only for ALLOW_BY_DEFAULT_DENY_SOME: it called this "unchanged", reported one
    // exclusion in its attributes, and a DESTROY left it.
    const outcome = await runSequence(world, {
      settings, planInput: '{}', steps: [
        { op: 'deploy', stack: 'Main', slots: [declared({}), 'keep', 'keep'] },
        { op: 'write-outside', target: 'own', catalog: 'AWS', preferences: { accessType: 'ALLOW_ALL', excluded: ['p-1'] } },
        { op: 'deploy', stack: 'Main', slots: [declared({ removalPolicy: 'destroy' }), 'keep', 'keep'] },
        { op: 'write-outside', target: 'own', catalog: 'AWS', preferences: { accessType: 'ALLOW_ALL', excluded: ['p-2'] } },
        { op: 'delete-stack', stack: 'Main' },
      ],
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome.steps).toBe(5);
    expect(world.live(`${world.accounts.own}/AWS`)).toMatchObject({ AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });
  });

  test('a write whose answer is lost on every attempt, though it landed, succeeds: the handler reads again', async () => {
    // The SDK's three attempts all lost their answers (the first had landed, the others met a conflict): the resource
    // failed while the account held what it declared. (The first deploy of a stack then left them, declared by no stack.)
    const outcome = await runSequence(world, {
      settings, planInput: '{}', steps: [
        { op: 'deploy', stack: 'Main', slots: [declared({ accessType: 'DENY_ALL' }), 'keep', 'keep'], fault: { kind: 'lose-answer', count: 4, operation: 'UpdateConnectionPreferences' } },
      ],
    });
    expect(outcome.problems).toEqual([]);
    expect(world.live(`${world.accounts.own}/AWS`)).toMatchObject({ AccessType: 'DENY_ALL', Revision: 1 });
  });

  test.each([
    ['the template it rolls back to: the old declaration is written back', 'previous' as const, 'DENY_ALL', 0],
    ['still the failed template: the known gap, counted', 'attempted' as const, 'ALLOW_BY_DEFAULT_DENY_SOME', 1],
  ])('a move in a deploy that fails, while CloudFormation shows %s', async (_title, rollbackCleanupTemplate, held, knownGaps) => {
    // The new resource wrote its declaration, refused properties in the next slot failed the deploy, and the
    // rollback's Delete of the new resource left the account holding what the stack no longer declared.
    const outcome = await runSequence(world, {
      settings: { ...settings, rollbackCleanupTemplate }, planInput: '{}', steps: [
        { op: 'deploy', stack: 'Main', slots: [declared({ accessType: 'DENY_ALL', removalPolicy: 'destroy' }), 'keep', 'keep'] },
        { op: 'deploy', stack: 'Main', slots: [declared({ moved: true, accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excluded: ['p-1'], removalPolicy: 'destroy' }), 'keep', 'keep'],
          hostile: { slot: 1, properties: { Catalog: 'Sandbox', AccessType: 'SOMETIMES' } } },
      ],
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome.knownGaps.length).toBe(knownGaps);
    expect(world.live(`${world.accounts.own}/AWS`)).toMatchObject({ AccessType: held });
  });
});

describe('npm run soak', () => {
  const soak = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'bench', 'soak.js'), ...args], { timeout: 120_000 });

  test('runs the sequences it is asked for, and writes every figure', async () => {
    const output = path.join(tempDir('soak-'), 'results.json');
    const { stdout, stderr } = await soak('--sequences', '2', '--seed', '7', '--workers', '1', '--max-steps', '1', '--output', output);
    const results = JSON.parse(readFileSync(output, 'utf8'));
    expect(results).toMatchObject({ sequences: 2, seed: 7, workers: 1, maxSteps: 1, invariantFailures: 0, hangs: 0 });
    for (const figure of ['steps', 'faultsInjected', 'hostileInputs', 'knownGaps', 'faultFailuresNamingCause', 'p50StepMs', 'p95StepMs']) expect([figure, Number.isInteger(results[figure])]).toEqual([figure, true]);
    expect(results.steps).toBe(2);
    expect(JSON.parse(stdout)).toEqual(results);
    expect(stderr).toContain('soak: 2 sequences of up to 1 steps, seed 7, 1 workers');
  });

  test('a bad option is one line that names it, and exit 1', async () => {
    const failure = await soak('--sequences', 'many').catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^soak: --sequences many is not an option with a whole number; usage: npm run soak -- \[--sequences N\][^\n]*\n$/);
  });
});

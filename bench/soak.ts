import { mkdirSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { Emulator } from '../emulator/emulator';
import { runSequence, SequenceOutcome } from '../test/support/lifecycle/run';
import { Sequence, sequenceArbitrary } from '../test/support/lifecycle/steps';
import { TemplateFactory, World } from '../test/support/lifecycle/world';

/**
 * The soak: `npm run soak [-- --sequences N] [-- --seed S] [-- --workers W] [-- --max-steps M] [-- --output FILE]`.
 * Runs the lifecycle model (test/support/lifecycle) through the whole chain, W sequences at a time, each worker with
 * its own emulator; prints progress, and writes bench/soak-results.json. A failing sequence is shrunk to a minimal
 * one and printed with the seed and path that replay it.
 */
const CHUNK = 25;
const USAGE = 'usage: npm run soak -- [--sequences N] [--seed S] [--workers W] [--max-steps M] [--output FILE]';

function options(argv: string[]) {
  const values: Record<string, number> = { 'sequences': 1000, 'seed': Date.now() % 2 ** 31, 'workers': 2, 'max-steps': 6 };
  let output = path.join(__dirname, 'soak-results.json');
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'output' && argv[i + 1]) {
      output = path.resolve(argv[i + 1]);
      continue;
    }
    const value = Number(argv[i + 1]);
    if (!(name in values) || !Number.isSafeInteger(value) || value < (name === 'seed' ? 0 : 1)) {
      console.error(`soak: ${argv[i]} ${argv[i + 1] ?? ''} is not an option with a whole number; ${USAGE}`);
      process.exit(1);
    }
    values[name] = value;
  }
  return { sequences: values.sequences, seed: values.seed, workers: Math.min(values.workers, values.sequences), maxSteps: values['max-steps'], output };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function main(): Promise<void> {
  const { sequences, seed, workers, maxSteps, output } = options(process.argv.slice(2));
  // plan's in-process SDK runs on the Node of this command, which may be older than the SDK's next requirement.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = Date.now();
  const templates = TemplateFactory.synthesize();
  const totals = { sequences: 0, steps: 0, faultsInjected: 0, hostileInputs: 0, invariantFailures: 0, hangs: 0, knownGaps: 0, faultFailuresNamingCause: 0, stepMs: [] as number[] };
  const failures: string[] = [];
  const count = (outcome: SequenceOutcome) => {
    totals.sequences += 1;
    totals.steps += outcome.steps;
    totals.faultsInjected += outcome.faultsInjected;
    totals.hostileInputs += outcome.hostileInputs;
    totals.hangs += outcome.hangs;
    totals.knownGaps += outcome.knownGaps.length;
    totals.faultFailuresNamingCause += outcome.causesNamed.length;
    totals.stepMs.push(...outcome.stepMs);
    if (totals.sequences % 10 === 0 || outcome.problems.length > 0) {
      console.error(`${totals.sequences}/${sequences} sequences, ${totals.steps} steps, ${totals.faultsInjected} faults, `
        + `${totals.hostileInputs} hostile inputs, ${Math.round((Date.now() - started) / 1000)} s${outcome.problems.length ? ` — FAILED: ${outcome.problems[0]}` : ''}`);
    }
  };

  console.error(`soak: ${sequences} sequences of up to ${maxSteps} steps, seed ${seed}, ${workers} workers`);
  // Each worker takes chunks of CHUNK sequences, each chunk its own fast-check run with seed S + its number: a failure
  // stops (and is shrunk in) its chunk only, and `--workers 1 --sequences <chunk's size> --seed <chunk's seed>` replays it.
  const chunks = Array.from({ length: Math.ceil(sequences / CHUNK) }, (_, i) => ({ seed: seed + i, runs: Math.min(CHUNK, sequences - i * CHUNK) }));
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    const emulator = new Emulator();
    await emulator.start();
    const world = new World(emulator, templates, 400_000_000_000 + worker * 10_000_000);
    try {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        let shrinking = false;
        const report = await fc.check(fc.asyncProperty(sequenceArbitrary(maxSteps), async (sequence: Sequence) => {
          const outcome = await runSequence(world, sequence);
          // Shrinking reruns failing sequences: only the first run of each counts.
          if (!shrinking) count(outcome);
          if (outcome.problems.length > 0) {
            shrinking = true;
            throw new Error(outcome.problems.join('\n'));
          }
        }), { seed: chunk.seed, numRuns: chunk.runs });
        if (report.failed) {
          totals.invariantFailures += 1;
          failures.push(`seed ${chunk.seed} (${chunk.runs} sequences), path ${report.counterexamplePath}:\n${JSON.stringify(report.counterexample?.[0])}\n${String(report.errorInstance)}`);
        }
      }
    } finally {
      await emulator.stop();
    }
  }));
  rmSync(templates.assemblyDirectory, { recursive: true, force: true });

  const results = {
    sequences: totals.sequences, steps: totals.steps, faultsInjected: totals.faultsInjected, hostileInputs: totals.hostileInputs,
    invariantFailures: totals.invariantFailures, hangs: totals.hangs, knownGaps: totals.knownGaps, faultFailuresNamingCause: totals.faultFailuresNamingCause, seed, workers, maxSteps,
    p50StepMs: percentile(totals.stepMs, 50), p95StepMs: percentile(totals.stepMs, 95), maxStepMs: Math.max(0, ...totals.stepMs),
    durationSeconds: Math.round((Date.now() - started) / 1000), node: process.version, date: new Date().toISOString().slice(0, 10),
  };
  failures.forEach((f) => console.error(`\nMinimal failing sequence, ${f}`));
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
  console.error(`Written to ${path.relative(process.cwd(), output)}.`);
  process.exitCode = results.invariantFailures > 0 || results.hangs > 0 ? 1 : 0;
}

void main();

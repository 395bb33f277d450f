import { planHostileTemplate } from '../hostile-inputs';
import { declaredBy, exchangeProblems, holds, spelled, invocationProblems, logProblems, revisionProblems, StepContext } from './invariants';
import type { Declaration, Sequence, Step, StepFault } from './steps';
import { declarationOf, REGION, targetKey, World } from './world';

/** What one sequence did and found. */
export interface SequenceOutcome {
  readonly steps: number;
  readonly faultsInjected: number;
  readonly hostileInputs: number;
  readonly hangs: number;
  readonly stepMs: number[];
  /** Each broken promise, naming the step. Empty when the sequence kept every promise. */
  readonly problems: string[];
  /** Steps where the known gap of a rolled-back move showed (README, Reliability): counted, not failed. */
  readonly knownGaps: string[];
  /** Fault kinds whose failures were checked to name them, one per failed request. */
  readonly causesNamed: string[];
}

/** Faults that the SDK's three attempts, the conflict retries and the framework's own retry ride out. */
function tolerable(fault: StepFault | undefined): boolean {
  if (!fault) return true;
  switch (fault.kind) {
    case 'throttle': case 'internal-error': case 'reset': return fault.count <= 2;
    // After three lost answers of a write the handler reads again, and finds the write landed (unless respelled: below).
    case 'lose-answer': return fault.count <= 2 || fault.operation === 'UpdateConnectionPreferences';
    case 'latency': return fault.delayMs < 10_000 || fault.count <= 2;
    case 'competing-write': case 'lost-invoke-answer': return true;
    default: return false;
  }
}

/**
 * Runs one sequence through the whole chain (the local CloudFormation, the Provider framework and the handler from
 * the synthesized assembly in the local Lambda, the SDK, the emulated API) and checks the promise after every step.
 */
export async function runSequence(world: World, sequence: Sequence): Promise<SequenceOutcome> {
  world.newSequence();
  Object.assign(world.emulator.settings, structuredClone(sequence.settings));
  const identifierCase = sequence.settings.identifierCase;
  const revisions = new Map<string, number>();
  const outcome = { steps: 0, faultsInjected: 0, hostileInputs: 0, hangs: 0, stepMs: [] as number[], problems: [] as string[], knownGaps: [] as string[], causesNamed: [] as string[] };

  for (const [index, step] of sequence.steps.entries()) {
    const started = Date.now();
    const firstExchange = world.observed.length;
    const firstInvocation = world.emulator.lambda.invocations.length;
    const stepProblems = await runStep(world, step, identifierCase, outcome);
    const context: StepContext = {
      world, exchanges: world.observed.slice(firstExchange), concurrent: step.op === 'deploy-both', identifierCase, knownGaps: outcome.knownGaps, causesNamed: outcome.causesNamed,
      lostAnswersOfWrite: 'fault' in step && step.fault?.kind === 'lose-answer' && step.fault.count > 2,
      fault: 'fault' in step ? step.fault?.kind : undefined,
    };
    const invocations = invocationProblems(world, firstInvocation);
    outcome.hangs += invocations.hangs;
    const problems = [...stepProblems, ...exchangeProblems(context), ...writtenTargetProblems(context, step), ...invocations.problems, ...revisionProblems(world, revisions)];
    outcome.problems.push(...problems.map((p) => `step ${index + 1} (${step.op}): ${p}`));
    outcome.steps += 1;
    outcome.stepMs.push(Date.now() - started);
    if (problems.length > 0) break;
  }
  outcome.problems.push(...logProblems(world));
  outcome.hostileInputs += 1;
  await planHostileTemplate(world.templates.assemblyDirectory, world.templates.templateFile, sequence.planInput, world.emulator.url)
    .catch((e: Error) => outcome.problems.push(`plan of a hostile template: ${e.message}`));
  return outcome;
}

async function runStep(world: World, step: Step, identifierCase: StepContext['identifierCase'], counts: { faultsInjected: number; hostileInputs: number }): Promise<string[]> {
  if (step.op === 'write-outside') {
    // An outside writer goes through the same service: exclusions without ALLOW_BY_DEFAULT_DENY_SOME only where it keeps them.
    const keeps = step.preferences.accessType === 'ALLOW_BY_DEFAULT_DENY_SOME' || world.emulator.settings.exclusionsWithoutDenySome === 'accept';
    world.writeOutside(step.target, step.catalog, keeps ? step.preferences : { ...step.preferences, excluded: [] });
    return [];
  }
  if (step.op === 'deploy-both') {
    const main = world.declarations('Main', step.main);
    const other = world.declarations('Other', step.other);
    const firstWrite = world.emulator.writes.length;
    const firstExchange = world.observed.length;
    const results = await Promise.all([world.deploy('Main', main), world.deploy('Other', other)]);
    const shared = new Set(keysOf(world, main).filter((key) => keysOf(world, other).includes(key)));
    const failed = results.flatMap((r, i) => (r.status.endsWith('_COMPLETE') && !r.status.includes('ROLLBACK') ? [] : [`${['Main', 'Other'][i]} ended ${r.status}: ${r.failure?.reason.slice(0, 300)}`]));
    // Each sees the other's writes as conflicts, and retries; only DriftPolicy.FAIL may make one fail.
    const driftMayFail = [...main, ...other, ...world.held('Main'), ...world.held('Other')].some((d) => d?.driftPolicy === 'fail');
    if (failed.length > 0) return driftMayFail ? [] : failed;
    const problems: string[] = [];
    // Both succeeded: each target they wrote holds what one of them declares.
    const written = new Set(world.emulator.writes.slice(firstWrite).filter((w) => w.by === 'api').map((w) => targetKey(w.account, w.catalog)));
    // A resource one of them removed with DESTROY resets its target, even one that the other declares.
    const resets = world.observed.slice(firstExchange).filter((o) => o.exchange.requestType === 'Delete' && o.exchange.status === 'SUCCESS')
      .map((o) => declaredBy(o.exchange.request.ResourceProperties, world.accounts.own)).filter((d) => d.removalPolicy === 'destroy');
    for (const key of written) {
      const wanted = [...declaredAt(world, main, key), ...declaredAt(world, other, key), ...resets.filter((d) => d.key === key).map(() => RESET)];
      if (wanted.length > 0 && !wanted.some((d) => holds(world.live(key), d, identifierCase))) {
        problems.push(`after both deploys ${key} holds ${JSON.stringify(world.live(key))}, which neither stack declares${shared.has(key) ? ' (both declare it)' : ''}`);
      }
    }
    return problems;
  }

  const fault = step.fault;
  if (fault) {
    world.inject(fault);
    counts.faultsInjected += 1;
  }
  try {
    if (step.op === 'delete-stack') {
      const held = world.held(step.stack);
      const firstWrite = world.emulator.writes.length;
      const result = await world.deleteStack(step.stack);
      // A competing write after a reset's read is another writer's change, which the reset could not see: drift.
      const lastWriter = new Map(world.emulator.writes.slice(firstWrite).map((w) => [targetKey(w.account, w.catalog), w.by]));
      if (result.status !== 'DELETE_COMPLETE') return tolerable(fault) ? [`the delete ended ${result.status}: ${result.failure?.reason.slice(0, 300)}`] : [];
      return held.flatMap((d) => (d?.removalPolicy === 'destroy' && lastWriter.get(keyOf(world, d)) !== 'competitor' ? resetProblems(world, d, step.stack, identifierCase) : []));
    }

    let declared = world.declarations(step.stack, step.slots);
    let expectFailure = false;
    if (step.hostile) {
      counts.hostileInputs += 1;
      const accepted = declarationOf(step.hostile.properties);
      const key = accepted && `${accepted.target}/${accepted.catalog}`;
      // A hand-edited template may hold anything; here it holds no second resource for the hostile one's target.
      declared = declared.map((d, slot) => (slot === step.hostile!.slot ? accepted : d && `${d.target}/${d.catalog}` === key ? undefined : d));
      expectFailure = !accepted;
    }
    const driftMayFail = [...declared, ...world.held(step.stack)].some((d) => d?.driftPolicy === 'fail');
    const firstExchange = world.observed.length;
    const result = await world.deploy(step.stack, declared, step.hostile);
    // Properties the rules refuse fail with the handler's reason (or CloudFormation's, for a ServiceTimeout), before any call.
    const refused = expectFailure ? world.observed.slice(firstExchange).find((o) => o.exchange.logicalId === `Prefs${step.hostile!.slot}` && o.exchange.phase === 'update') : undefined;
    if (refused && (refused.exchange.status !== 'FAILED' || !/^(Invalid properties, nothing was changed: |ServiceTimeout )/.test(refused.exchange.reason ?? ''))) {
      return [`hostile properties ${JSON.stringify(step.hostile!.properties).slice(0, 200)} ended ${refused.exchange.status}: ${refused.exchange.reason?.slice(0, 300)}`];
    }
    if (refused && world.emulator.calls.slice(...refused.calls).some((c) => c.service === 'partnercentral-account')) {
      return [`hostile properties ${JSON.stringify(step.hostile!.properties).slice(0, 200)} reached Partner Central`];
    }
    const completed = result.status === 'CREATE_COMPLETE' || result.status === 'UPDATE_COMPLETE';
    if (expectFailure && completed) {
      return [`a template with invalid properties ${JSON.stringify(step.hostile!.properties).slice(0, 300)} deployed`];
    }
    // A service that respells identifiers never holds them as declared: the read after a write with no answer cannot
    // tell that it landed (README, Reliability).
    const respelled = declared.some((d) => d?.excluded.some((id) => spelled(id, identifierCase) !== id));
    const ridesOut = tolerable(fault) && !(respelled && fault?.kind === 'lose-answer' && fault.count > 2);
    return !completed && !expectFailure && !driftMayFail && ridesOut ? [`the deploy ended ${result.status}: ${result.failure?.reason.slice(0, 300)}`] : [];
  } finally {
    world.clearFaults();
  }
}

/**
 * Every target a deploy wrote to ends holding what the stack now declares for it, whether the deploy completed or
 * rolled back: a write is never left behind that the stack does not declare. (Targets the other stack declares too
 * are left out: two pipelines that declare one account's catalog undo each other by design.)
 */
function writtenTargetProblems(context: StepContext, step: Step): string[] {
  if (step.op !== 'deploy') return [];
  const { world } = context;
  const status = world.emulator.cloudFormation.stack(world.accounts.own, REGION, world.stackName(step.stack))?.StackStatus;
  if (status !== 'CREATE_COMPLETE' && status !== 'UPDATE_COMPLETE' && status !== 'UPDATE_ROLLBACK_COMPLETE') return [];
  const writes = context.exchanges.flatMap((o) => world.emulator.writes.slice(...o.writes));
  // A target whose last write was another writer's after the handler read it holds that writer's change: drift.
  const lastWriter = new Map(writes.map((w) => [targetKey(w.account, w.catalog), w.by]));
  const written = new Set([...lastWriter].filter(([, by]) => by === 'api').map(([key]) => key));
  const held = world.held(step.stack);
  const others = keysOf(world, world.held(step.stack === 'Main' ? 'Other' : 'Main'));
  return [...written].flatMap((key) => {
    const declared = declaredAt(world, held, key)[0];
    if (!declared || others.includes(key) || holds(world.live(key), declared, context.identifierCase)) return [];
    if (status === 'UPDATE_ROLLBACK_COMPLETE' && rollbackLeftNewResourceWrite(context, key)) {
      context.knownGaps.push(`step ${step.op}: a rollback deleted a new resource for ${key} that another resource of the stack manages, without undoing its write`);
      return [];
    }
    return [
      `the stack ended ${status} declaring ${declared.accessType} ${JSON.stringify(declared.excluded)} for ${key}, which the deploy left holding ${JSON.stringify(world.live(key))}`];
  });
}

/**
 * The known gap (README, Reliability): a deploy creates a resource under a new logical id for preferences that
 * another resource of the stack manages (a moved or renamed construct), then fails. The rollback deletes the new
 * resource, and the old one was never updated. The Delete writes the old declaration back (decision 0009), unless
 * the new resource is RETAIN (which makes no call), or CloudFormation still shows the failed deploy's template then.
 */
function rollbackLeftNewResourceWrite(context: StepContext, key: string): boolean {
  const rollbackDeletes = context.exchanges.filter((o) => o.exchange.phase === 'rollback' && o.exchange.requestType === 'Delete'
    && declaredBy(o.exchange.request.ResourceProperties ?? {}, context.world.accounts.own).key === key);
  const cannotRestore = context.world.emulator.settings.rollbackCleanupTemplate === 'attempted'
    || rollbackDeletes.some((o) => declaredBy(o.exchange.request.ResourceProperties ?? {}, context.world.accounts.own).removalPolicy === 'retain');
  return cannotRestore && rollbackDeletes.length > 0
    && !context.exchanges.some((o) => o.exchange.phase === 'rollback' && o.exchange.requestType === 'Update'
      && declaredBy(o.exchange.request.ResourceProperties ?? {}, context.world.accounts.own).key === key);
}

function resetProblems(world: World, declaration: Declaration, stack: 'Main' | 'Other', identifierCase: StepContext['identifierCase']): string[] {
  const key = keyOf(world, declaration);
  if (keysOf(world, world.held(stack === 'Main' ? 'Other' : 'Main')).includes(key)) return [];
  return holds(world.live(key), { accessType: 'ALLOW_ALL', excluded: [] }, identifierCase) ? []
    : [`the stack was deleted, but ${key} (DESTROY) holds ${JSON.stringify(world.live(key))}`];
}

const RESET = { accessType: 'ALLOW_ALL', excluded: [] };
const keyOf = (world: World, d: Declaration) => targetKey(world.accounts[d.target], d.catalog);
const keysOf = (world: World, declared: (Declaration | undefined)[]) => declared.flatMap((d) => (d ? [keyOf(world, d)] : []));
const declaredAt = (world: World, declared: (Declaration | undefined)[], key: string) => declared.filter((d): d is Declaration => !!d && keyOf(world, d) === key);

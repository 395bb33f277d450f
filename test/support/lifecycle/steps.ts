import * as fc from 'fast-check';
import type { EmulatorSettings, Fault } from '../../../emulator/emulator';
import { hostileProperties, hostileTemplate } from '../hostile-inputs';

/**
 * The vocabulary of the lifecycle model: what a sequence may do to one to three ConnectionPreferences in two stacks
 * (the stack under test, and a second pipeline's stack that shares its accounts), and the emulator settings for what
 * AWS does not document. Plain JSON, so that a failing sequence prints as something a person can replay.
 */

/** The stack of the sequence's pipeline, and another pipeline's stack in the same account. */
export type StackName = 'Main' | 'Other';
/** The stack's own account, or a second account reached through a role. */
export type Target = 'own' | 'other';

export interface Declaration {
  readonly target: Target;
  readonly catalog: 'AWS' | 'Sandbox';
  readonly accessType: 'ALLOW_ALL' | 'DENY_ALL' | 'ALLOW_BY_DEFAULT_DENY_SOME';
  readonly excluded: string[];
  readonly removalPolicy: 'retain' | 'destroy';
  readonly driftPolicy: 'overwrite' | 'fail';
  /** Moved in the construct tree: the same resource under another logical id (created new, the old one deleted). */
  readonly moved: boolean;
}

/** What a deploy does with one of the stack's three places for a resource: keep it, remove it, or declare it anew. */
export type SlotChange = 'keep' | 'remove' | Declaration;

/** A fault injected before a deploy, for the calls of that deploy (cleared after it). */
export type StepFault =
  | { readonly kind: Exclude<Fault['kind'], 'competing-write' | 'latency'>; readonly count: number; readonly operation?: Fault['operation'] }
  | { readonly kind: 'competing-write'; readonly count: number; readonly competitor: Pick<Declaration, 'accessType' | 'excluded'> }
  | { readonly kind: 'latency'; readonly count: number; readonly delayMs: number }
  /** The Lambda service drops the framework's synchronous invocation of the handler after it ran. */
  | { readonly kind: 'lost-invoke-answer'; readonly count: number };

export type Step =
  | { readonly op: 'deploy'; readonly stack: StackName; readonly slots: SlotChange[]; readonly fault?: StepFault;
    /** One place's properties replaced by hostile ones (hostile-inputs.ts): the deploy must fail, or behave as valid. */
    readonly hostile?: { readonly slot: number; readonly properties: Record<string, unknown> } }
  | { readonly op: 'deploy-both'; readonly main: SlotChange[]; readonly other: SlotChange[] }
  | { readonly op: 'delete-stack'; readonly stack: StackName; readonly fault?: StepFault }
  | { readonly op: 'write-outside'; readonly target: Target; readonly catalog: Declaration['catalog']; readonly preferences: Pick<Declaration, 'accessType' | 'excluded'> };

export type DrawnSettings = Pick<EmulatorSettings,
  'initialRevision' | 'initialPreferences' | 'exclusionsWithoutDenySome' | 'exclusionOrder' | 'identifierCase' | 'rollbackCleanupTemplate'>;

/** A few identifiers, so that declarations overlap; mixed case, for a service that normalises it. */
const ID_POOL = ['p-1', 'p-2', 'Partner-3', 'P-4', '123456789012'];
const LONG_IDS = Array.from({ length: 100 }, (_, i) => `participant-${i}-`.padEnd(100, 'x'));

const exclusions = fc.oneof(
  { weight: 8, arbitrary: fc.uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constant(LONG_IDS) },
);
const preferences = fc.oneof(
  fc.record({ accessType: fc.constantFrom('ALLOW_ALL' as const, 'DENY_ALL' as const), excluded: fc.constant([] as string[]) }),
  fc.record({ accessType: fc.constant('ALLOW_BY_DEFAULT_DENY_SOME' as const), excluded: exclusions }),
);
/** What another writer (the console, another tool) may store: exclusions with any access type, where the service keeps them. */
const anyPreferences = fc.record({ accessType: fc.constantFrom('ALLOW_ALL' as const, 'DENY_ALL' as const, 'ALLOW_BY_DEFAULT_DENY_SOME' as const), excluded: exclusions });
const declaration: fc.Arbitrary<Declaration> = fc.record({
  target: fc.constantFrom<Target>('own', 'own', 'other'),
  catalog: fc.constantFrom('AWS' as const, 'AWS' as const, 'Sandbox' as const),
  removalPolicy: fc.constantFrom('retain' as const, 'destroy' as const),
  driftPolicy: fc.constantFrom('overwrite' as const, 'overwrite' as const, 'fail' as const),
  moved: fc.boolean(),
  preferences,
}).map(({ preferences: p, ...rest }) => ({ ...rest, ...p }));

const slotChange: fc.Arbitrary<SlotChange> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('keep' as const) },
  { weight: 1, arbitrary: fc.constant('remove' as const) },
  { weight: 4, arbitrary: declaration },
);
const slots = fc.tuple(slotChange, slotChange, slotChange);

/** Counts that the SDK's three attempts ride out (1-2), and bursts that exhaust them (3-4). */
const fault: fc.Arbitrary<StepFault> = fc.oneof(
  fc.record({ kind: fc.constantFrom('throttle' as const, 'internal-error' as const, 'reset' as const, 'lose-answer' as const), count: fc.integer({ min: 1, max: 4 }),
    operation: fc.constantFrom(undefined, 'GetConnectionPreferences' as const, 'UpdateConnectionPreferences' as const) }, { requiredKeys: ['kind', 'count'] }),
  fc.record({ kind: fc.constantFrom('access-denied' as const, 'validation' as const), count: fc.constant(1) }),
  fc.record({ kind: fc.constant('competing-write' as const), count: fc.integer({ min: 1, max: 6 }), competitor: preferences }),
  fc.record({ kind: fc.constant('latency' as const), count: fc.integer({ min: 1, max: 3 }), delayMs: fc.oneof(fc.integer({ min: 100, max: 2_000 }), fc.constant(10_500)) }),
  fc.record({ kind: fc.constant('lost-invoke-answer' as const), count: fc.constant(1) }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('deploy' as const), stack: fc.constant<StackName>('Main'), slots, fault: fault }, { requiredKeys: ['op', 'stack', 'slots'] }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deploy' as const), stack: fc.constant<StackName>('Other'), slots: fc.tuple(declaration) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deploy' as const), stack: fc.constant<StackName>('Main'), slots, hostile: fc.record({ slot: fc.integer({ min: 0, max: 2 }), properties: hostileProperties }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deploy-both' as const), main: slots, other: fc.tuple(declaration) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete-stack' as const), stack: fc.constantFrom<StackName>('Main', 'Main', 'Other'), fault }, { requiredKeys: ['op', 'stack'] }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write-outside' as const), target: fc.constantFrom<Target>('own', 'other'), catalog: fc.constantFrom('AWS' as const, 'Sandbox' as const), preferences: anyPreferences }) },
);

export const settingsArbitrary: fc.Arbitrary<DrawnSettings> = fc.record({
  initialRevision: fc.constantFrom(0, 1, 1000),
  initialPreferences: fc.constantFrom({ AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] }, { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] }),
  exclusionsWithoutDenySome: fc.constantFrom('accept' as const, 'ignore' as const, 'reject' as const),
  exclusionOrder: fc.constantFrom('as-written' as const, 'sorted' as const, 'reversed' as const),
  identifierCase: fc.constantFrom('as-written' as const, 'as-written' as const, 'lower' as const, 'upper' as const),
  rollbackCleanupTemplate: fc.constantFrom('attempted' as const, 'previous' as const),
});

/**
 * A sequence: the settings, then a first deploy of the stack under test and up to `maxSteps - 1` more steps; and a
 * hostile template body for `plan` to read.
 */
export const sequenceArbitrary = (maxSteps: number) => fc.record({
  settings: settingsArbitrary,
  planInput: hostileTemplate,
  steps: fc.tuple(fc.record({ op: fc.constant('deploy' as const), stack: fc.constant<StackName>('Main'), slots }), fc.array(step, { maxLength: maxSteps - 1 }))
    .map(([first, rest]): Step[] => [first, ...rest]),
});
export type Sequence = { settings: DrawnSettings; steps: Step[]; planInput: string };

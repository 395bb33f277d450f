import { createHash } from 'crypto';
import type { RecordedCall } from '../../../emulator/emulator';
import type { StepFault } from './steps';
import type { ObservedExchange, World } from './world';
import { targetKey } from './world';

/**
 * The promise, checked after every step: what the stack declares is what the account holds, or the deploy fails with
 * a reason and nothing is lost. Each check returns what it found wrong, in words that name the exchange.
 */

/** CloudFormation refuses a custom resource response over this many bytes; a reason must fit in it. */
const RESPONSE_MAX_BYTES = 4096;
/** Reasons that are not the handler's: a response that never came, broke the contract, or an unexplained error. */
const NOT_A_REASON = /did not receive a response|Response object is too long|Invalid response object|Invalid PhysicalResourceId|failed unexpectedly|Task timed out/;

/**
 * What a reason names when the step's fault failed the request: the cause, as the service, the SDK or the handler
 * calls it. A fault that strikes the framework (a lost Invoke answer) has no word of its own.
 */
const CAUSE_OF_FAULT: Partial<Record<StepFault['kind'], RegExp>> = {
  'throttle': /ThrottlingException/,
  'internal-error': /InternalServerException/,
  'reset': /ECONNRESET|socket/i,
  'lose-answer': /ECONNRESET|socket|ConflictException/i,
  'access-denied': /denied/,
  'validation': /rejected/,
  'competing-write': /ConflictException|changed outside this stack/,
  'latency': /timed out|timeout|did not finish within/i,
};
/** Causes a reason may name instead of the step's fault: properties, drift, CloudFormation's own checks. */
const OTHER_CAUSE = /^Invalid properties|changed outside this stack|ServiceTimeout|^CloudFormation|Vendor response/;

export interface StepContext {
  readonly world: World;
  /** Exchanges of this step. */
  readonly exchanges: ObservedExchange[];
  /** Two stacks deployed at once: calls and writes cannot be told apart by time. */
  readonly concurrent: boolean;
  /**
   * A write whose answer was lost on every attempt, for a service that respells identifiers: the read after it cannot
   * tell that the write landed, so the resource fails after writing (README, Reliability).
   */
  readonly lostAnswersOfWrite: boolean;
  /** Where a check records a known gap it met instead of failing. */
  readonly knownGaps: string[];
  /** Where the cause check records each failure it found naming the step's fault. */
  readonly causesNamed: string[];
  /** How the service spells identifiers: as written, or in one letter case. */
  readonly identifierCase: 'as-written' | 'lower' | 'upper';
  /** The fault the step injected, if any. */
  readonly fault?: StepFault['kind'];
}

/** The target (account and catalog) and preferences that a request's properties declare, when they are valid. */
export function declaredBy(properties: Record<string, any>, ownAccount: string) {
  const account = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(String(properties.AssumeRoleArn ?? ''))?.[1] ?? ownAccount;
  // Hostile properties may hold anything here; only strings can be identifiers.
  const excluded: string[] = Array.isArray(properties.ExcludedParticipantIdentifiers) ? properties.ExcludedParticipantIdentifiers.filter((id: unknown) => typeof id === 'string') : [];
  return { key: targetKey(account, String(properties.Catalog)), accessType: String(properties.AccessType), excluded, removalPolicy: properties.RemovalPolicy ?? 'retain' };
}

export const spelled = (id: string, identifierCase: StepContext['identifierCase']) => (identifierCase === 'lower' ? id.toLowerCase() : identifierCase === 'upper' ? id.toUpperCase() : id);

/** Equal as the promise means it: the same access type, and the same identifiers as sets (none unless ALLOW_BY_DEFAULT_DENY_SOME). */
export function holds(live: { AccessType: string; ExcludedParticipantIds: string[] }, declared: { accessType: string; excluded: string[] }, identifierCase: StepContext['identifierCase']): boolean {
  const wanted = declared.accessType === 'ALLOW_BY_DEFAULT_DENY_SOME' ? declared.excluded.map((id) => spelled(id, identifierCase)) : [];
  const have = new Set(live.ExcludedParticipantIds);
  return live.AccessType === declared.accessType && have.size === new Set(wanted).size && wanted.every((id) => have.has(id));
}

const exchangeName = (o: ObservedExchange) => `${o.exchange.phase} ${o.exchange.requestType} of ${o.exchange.stackName.replace(/\d+$/, '')}/${o.exchange.logicalId}`;
const partnerCentralCalls = (world: World, [from, to]: [number, number]): RecordedCall[] => world.emulator.calls.slice(from, to).filter((c) => c.service === 'partnercentral-account');

/** Checks of each custom resource exchange of the step. */
export function exchangeProblems(context: StepContext): string[] {
  const { world, exchanges, concurrent } = context;
  const problems: string[] = [];
  for (const observed of exchanges) {
    const { exchange } = observed;
    const properties = exchange.request.ResourceProperties ?? {};
    const declared = declaredBy(properties, world.accounts.own);
    const writes = world.emulator.writes.slice(...observed.writes);
    const apiWrites = writes.filter((w) => w.by === 'api');
    const name = exchangeName(observed);
    // A service that changes the letter case never holds an identifier as declared: each run of the handler writes
    // again, so a lost answer (run twice) writes twice. The README says so.
    const respelled = declared.excluded.some((id) => spelled(id, context.identifierCase) !== id);
    if (!concurrent && apiWrites.length > (respelled ? 2 : 1)) problems.push(`${name} wrote ${apiWrites.length} times for one request`);

    if (exchange.status === 'FAILED') {
      const reason = exchange.reason ?? '';
      if (!reason.trim()) problems.push(`${name} failed without a reason`);
      if (NOT_A_REASON.test(reason)) problems.push(`${name} failed with a reason that is not the handler's: ${reason.slice(0, 300)}`);
      const cause = context.fault && CAUSE_OF_FAULT[context.fault];
      if (cause && cause.test(reason)) context.causesNamed.push(context.fault!);
      else if (cause && !OTHER_CAUSE.test(reason)) problems.push(`${name} failed under ${context.fault} with a reason that does not name it: ${reason.slice(0, 300)}`);
      if (Buffer.byteLength(reason) > RESPONSE_MAX_BYTES) problems.push(`${name} failed with a reason of ${Buffer.byteLength(reason)} bytes`);
      if (!concurrent && apiWrites.length > 0 && !(context.lostAnswersOfWrite && respelled)) problems.push(`${name} failed after writing revision ${apiWrites[0].revision}`);
      continue;
    }
    if (exchange.status !== 'SUCCESS') continue;
    const calls = concurrent ? [] : partnerCentralCalls(world, observed.calls);

    if (exchange.requestType === 'Delete') {
      const physicalId = String(exchange.request.PhysicalResourceId ?? '');
      const successor = Object.entries(observed.resourcesAfter).some(([id, physical]) => id !== exchange.logicalId && physical === physicalId);
      if (declared.removalPolicy !== 'destroy' && calls.length > 0) problems.push(`${name} with RETAIN made ${calls.length} Partner Central calls`);
      const lastWrite = writes.filter((w) => targetKey(w.account, w.catalog) === declared.key).pop();
      if (declared.removalPolicy === 'destroy' && physicalId.startsWith('arn:') && !successor && !concurrent && lastWrite?.by !== 'competitor') {
        const live = observed.liveAfter[declared.key];
        if (live && !holds(live, { accessType: 'ALLOW_ALL', excluded: [] }, context.identifierCase)) {
          problems.push(`${name} with DESTROY left ${JSON.stringify(live)}, not ALLOW_ALL with no exclusions`);
        }
      }
      continue;
    }

    // A Create or an Update that succeeded: the account holds what it declares, and its attributes say so. Unless
    // another writer wrote after the handler's last read: a change it could not see, which is drift (documented).
    const live = observed.liveAfter[declared.key];
    const lastWrite = writes.filter((w) => targetKey(w.account, w.catalog) === declared.key).pop();
    if (!concurrent && live && lastWrite?.by !== 'competitor' && !holds(live, declared, context.identifierCase)) {
      problems.push(`${name} succeeded, but ${declared.key} holds ${JSON.stringify(live)} instead of ${declared.accessType} ${JSON.stringify(declared.excluded)}`);
    }
    const data = exchange.data ?? {};
    const excluded = declared.accessType === 'ALLOW_BY_DEFAULT_DENY_SOME' ? declared.excluded.map((id) => spelled(id, context.identifierCase)) : [];
    const digest = createHash('sha256').update([...excluded].sort().join(',')).digest('hex');
    if ((data.AccessType !== declared.accessType || data.ExcludedParticipantIdsSha256 !== digest)) {
      problems.push(`${name} reported ${data.AccessType} with ${data.ExcludedParticipantCount} exclusions (${data.ExcludedParticipantIdsSha256?.slice(0, 8)}), not what it declares`);
    }
  }
  return problems;
}

/** Checks of what every function did: none ran into its timeout. */
export function invocationProblems(world: World, fromInvocation: number): { problems: string[]; hangs: number } {
  const timedOut = world.emulator.lambda.invocations.slice(fromInvocation).filter((i) => i.outcome === 'Sandbox.Timedout');
  return { problems: timedOut.map((i) => `${i.functionName} ran into its timeout (request ${i.requestId})`), hangs: timedOut.length };
}

/** Revisions only grow: per target, no live revision is lower than one seen before. */
export function revisionProblems(world: World, seen: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const key of world.targets) {
    const revision = world.live(key).Revision;
    if (revision < (seen.get(key) ?? -Infinity)) problems.push(`${key} went back from revision ${seen.get(key)} to ${revision}`);
    seen.set(key, revision);
  }
  return problems;
}

/** No log line holds a secret key, a session token or a presigned response URL. */
export function logProblems(world: World): string[] {
  const secrets = world.emulator.issuedCredentials.flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  const problems: string[] = [];
  for (const [group, lines] of world.emulator.lambda.logs) {
    const text = lines.join('');
    if (secrets.some((secret) => text.includes(secret))) problems.push(`the log of ${group} holds a secret key or session token`);
    if (/X-Amz-Signature=|X-Amz-Credential=/.test(text)) problems.push(`the log of ${group} holds a presigned ResponseURL`);
  }
  return problems;
}

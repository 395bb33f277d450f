import { ConflictException } from '@aws-sdk/client-partnercentral-account';
import { shorten, summarise } from '../lib/summary';
import type { ConnectionPreferencesApi, DesiredPreferences, LivePreferences } from './connection-preferences-api';
import { ExplainedError } from './failure';
import type { Log } from './log';

export interface ConvergeOptions {
  /** Epoch milliseconds by which the handler must have given up. */
  readonly deadline: number;
  readonly log: Log;
  /**
   * What the stack declared before this Update. Live preferences that equal neither it nor `desired` were
   * changed outside the stack (drift).
   */
  readonly previous?: DesiredPreferences;
  /** `overwrite` converges anyway and logs what it overwrote; `fail` fails without writing. */
  readonly driftPolicy: 'overwrite' | 'fail';
  /**
   * Runs after each read that finds a difference, before the write: throwing stops without writing. The monitor's
   * reconcile checks there that no deploy of its stack has started since it read the declaration.
   */
  readonly beforeWrite?: (live: LivePreferences) => Promise<void>;
}

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 5_000;
/** Below this much time left, another read and write would not finish: give up on the conflict instead. */
const MIN_ATTEMPT_MS = 200;

/**
 * Makes the live preferences equal the desired ones: read, compare, and write with the revision just read.
 * A ConflictException means another writer got in between: read again and retry after a jittered exponential
 * backoff, until the deadline. Throttling and 5xx never reach this loop: the SDK's retry strategy handles them.
 */
export async function converge(api: ConnectionPreferencesApi, desired: DesiredPreferences, options: ConvergeOptions): Promise<LivePreferences> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const live = await api.read(desired.catalog, attempt);
    if (samePreferences(live, desired)) {
      options.log('decision', { attempt, revision: live.revision, outcome: 'unchanged' });
      return live;
    }
    checkDrift(live, desired, options);
    await options.beforeWrite?.(live);
    try {
      const written = await api.write(desired, live.revision, attempt);
      options.log('decision', { attempt, revision: written.revision, previousRevision: live.revision, outcome: 'written' });
      return written;
    } catch (e) {
      if (!(e instanceof ConflictException)) {
        const landed = await landedWithoutAnswer(api, desired, live.revision, e, attempt, options);
        if (landed) return landed;
        throw e;
      }
      const remaining = options.deadline - Date.now();
      // Sleep at most half the time left, so that the next attempt still has time to read and write.
      const delay = Math.min(remaining / 2, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
      const giveUp = remaining < MIN_ATTEMPT_MS;
      options.log('decision', { attempt, revision: live.revision, outcome: giveUp ? 'conflict, give up' : 'conflict, retry', delayMs: Math.round(delay) });
      if (giveUp) {
        throw new ExplainedError(
          `Gave up updating the ${desired.catalog} connection preferences after ${attempt} attempts in ${Date.now() - started} ms: `
          + `every write was rejected with ConflictException (${e.Reason}) because another writer changed them between `
          + 'our read and our write. Find the other writer (console, pipeline or stack) and deploy again when it has finished.',
          { cause: e },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * A write that got no answer at all (every attempt's connection dropped or cut) may still have landed: one more read
 * tells. Without it the resource would fail while the account holds what it declares (the soak found this).
 */
async function landedWithoutAnswer(api: ConnectionPreferencesApi, desired: DesiredPreferences, readRevision: number, error: unknown, attempt: number,
  options: ConvergeOptions): Promise<LivePreferences | undefined> {
  const answered = (error as { cause?: { $metadata?: { httpStatusCode?: number } } }).cause?.$metadata?.httpStatusCode !== undefined;
  if (answered || options.deadline - Date.now() < MIN_ATTEMPT_MS) return undefined;
  try {
    const live = await api.read(desired.catalog, attempt);
    if (live.revision <= readRevision || !samePreferences(live, desired)) return undefined;
    options.log('decision', { attempt, revision: live.revision, previousRevision: readRevision, outcome: 'written, the answer was lost' });
    return live;
  } catch {
    // The write's own error says more than this read's.
    return undefined;
  }
}

function checkDrift(live: LivePreferences, desired: DesiredPreferences, options: ConvergeOptions): void {
  const previous = options.previous;
  if (!previous || samePreferences(live, previous)) return;
  const difference = describeDifference(previous, live);
  // The reason summarises the difference; the log keeps all of it.
  options.log('drift', {
    revision: live.revision, outcome: options.driftPolicy === 'fail' ? 'failing' : 'overwriting', difference, changes: differenceOf(previous, live),
  });
  if (options.driftPolicy === 'fail') {
    throw new ExplainedError(
      `The ${desired.catalog} connection preferences were changed outside this stack (revision ${live.revision}): ${difference}. `
      + 'Nothing was written. To keep that change, declare it in the stack and deploy; to overwrite it, deploy with '
      + 'driftPolicy DriftPolicy.OVERWRITE.',
    );
  }
}

/**
 * Equal access type and the same exclusions in any order, whatever the access type: a service that keeps exclusions
 * written with ALLOW_ALL or DENY_ALL (by the console, another tool) holds something other than what was declared,
 * and a DESTROY must leave none. The soak found that comparing them only for ALLOW_BY_DEFAULT_DENY_SOME left them.
 */
export function samePreferences(a: DesiredPreferences, b: DesiredPreferences): boolean {
  if (a.accessType !== b.accessType) return false;
  const ids = new Set(a.excludedParticipantIds);
  return ids.size === new Set(b.excludedParticipantIds).size && b.excludedParticipantIds.every((id) => ids.has(id));
}

/** What changed from `before` to `after`: the access type, and exclusions added and removed. */
export interface Difference {
  readonly accessType?: { readonly from: string; readonly to: string };
  readonly exclusionsAdded: string[];
  readonly exclusionsRemoved: string[];
}

export function differenceOf(before: DesiredPreferences, after: DesiredPreferences): Difference {
  return {
    ...(before.accessType !== after.accessType && { accessType: { from: before.accessType, to: after.accessType } }),
    exclusionsAdded: after.excludedParticipantIds.filter((id) => !before.excludedParticipantIds.includes(id)),
    exclusionsRemoved: before.excludedParticipantIds.filter((id) => !after.excludedParticipantIds.includes(id)),
  };
}

/** The difference for people, in one line that stays short: access type from → to, the first exclusions added and removed. */
export function describeDifference(before: DesiredPreferences, after: DesiredPreferences): string {
  const { accessType, exclusionsAdded, exclusionsRemoved } = differenceOf(before, after);
  const parts: string[] = [];
  if (accessType) parts.push(`access type ${shorten(accessType.from)} → ${shorten(accessType.to)}`);
  if (exclusionsAdded.length > 0) parts.push(`exclusions added: ${summarise(exclusionsAdded.map((id) => shorten(id)))}`);
  if (exclusionsRemoved.length > 0) parts.push(`exclusions removed: ${summarise(exclusionsRemoved.map((id) => shorten(id)))}`);
  return parts.join('; ') || 'no difference';
}

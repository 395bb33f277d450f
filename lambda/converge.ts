import { ConflictException } from '@aws-sdk/client-partnercentral-account';
import { ConnectionPreferencesApi, DesiredPreferences, LivePreferences } from './connection-preferences-api';
import { Log } from './log';

export interface ConvergeOptions {
  /** Epoch milliseconds by which the handler must have given up, leaving time to report to CloudFormation. */
  readonly deadline: number;
  readonly log: Log;
}

export interface ConvergeResult {
  readonly preferences: LivePreferences;
  readonly wrote: boolean;
  readonly attempts: number;
}

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 5_000;

/**
 * Makes the live preferences equal the desired ones: read, compare, and write with the revision just read.
 * A ConflictException means another writer got in between: read again and retry after a jittered exponential
 * backoff, until the deadline. Throttling and 5xx never reach this loop: the SDK's retry strategy handles them.
 */
export async function converge(api: ConnectionPreferencesApi, desired: DesiredPreferences, options: ConvergeOptions): Promise<ConvergeResult> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const live = await api.read(desired.catalog);
    options.log('read', { attempt, revision: live.revision, accessType: live.accessType, excludedParticipantIds: live.excludedParticipantIds });
    if (samePreferences(live, desired)) {
      options.log('unchanged', { attempt, revision: live.revision, outcome: 'no write needed' });
      return { preferences: live, wrote: false, attempts: attempt };
    }
    try {
      const written = await api.write(desired, live.revision);
      options.log('written', { attempt, revision: written.revision, previousRevision: live.revision, outcome: 'updated' });
      return { preferences: written, wrote: true, attempts: attempt };
    } catch (e) {
      if (!(e instanceof ConflictException)) throw e;
      const remaining = options.deadline - Date.now();
      const delay = Math.max(0, Math.min(remaining, Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1))));
      options.log('conflict', { attempt, revision: live.revision, reason: e.Reason, outcome: remaining > 0 ? 'retry' : 'give up', delayMs: Math.round(delay) });
      if (remaining <= 0) {
        throw new Error(
          `Gave up updating the ${desired.catalog} connection preferences after ${attempt} attempts in ${Date.now() - started} ms: `
          + `every write was rejected with ConflictException (${e.Reason}) because another writer changed them between `
          + 'our read and our write. Find the other writer (console, pipeline or stack) and deploy again when it has finished.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Equal access type, and the same exclusions in any order. */
export function samePreferences(live: DesiredPreferences, desired: DesiredPreferences): boolean {
  const liveIds = new Set(live.excludedParticipantIds);
  const desiredIds = new Set(desired.excludedParticipantIds);
  return live.accessType === desired.accessType
    && liveIds.size === desiredIds.size
    && [...desiredIds].every((id) => liveIds.has(id));
}

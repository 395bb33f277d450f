import { isDeepStrictEqual } from 'util';
import type { DesiredPreferences } from '../../lambda/connection-preferences-api';
import { Difference, differenceOf, describeDifference, samePreferences } from '../../lambda/converge';
import { previousDeclaration, readProperties } from '../../lambda/properties';
import type { ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';

/**
 * What a deploy would do to one ConnectionPreferences:
 * - `unchanged`: nothing to write, the live preferences are the declared ones;
 * - `change`: it would write the declared preferences;
 * - `blocked`: it would fail without writing, because they were changed outside the stack and its driftPolicy is FAIL;
 * - `out-of-sync`: they were changed outside the stack, and the deploy would leave them so: the resource's
 *   properties are as deployed, so CloudFormation would not invoke it.
 */
export type DeployStatus = 'unchanged' | 'change' | 'blocked' | 'out-of-sync';

/** A change made outside the stack since its last deploy, that the deploy would meet. */
export interface Drift {
  /** From the last deployed declaration to the live preferences, in one short line. */
  readonly description: string;
  readonly changes: Difference;
  /** What the deploy does about it. */
  readonly deploy: 'overwrites' | 'fails' | 'leaves';
}

export interface DeployDecision {
  /** The request CloudFormation would send the resource: Create when it is not deployed, Update when its properties changed. */
  readonly request: 'Create' | 'Update' | 'none';
  readonly status: DeployStatus;
  /** From the live preferences to the declared ones: what the deploy would write (or would have, were it not blocked). */
  readonly changes?: Difference;
  readonly drift?: Drift;
}

/**
 * Decides as a deploy would, with the handler's own code (lambda/converge.ts, lambda/properties.ts) and
 * CloudFormation's rule for custom resources, whose provider is only invoked when the properties changed.
 * `declared` and `deployed` are properties as CloudFormation passes them (see resourcesOfType); `deployed` is
 * undefined when the stack, or the resource in it, is not deployed. Throws, as the handler would, on invalid
 * declared properties.
 */
export function decideDeploy(declared: ConnectionPreferencesResourceProperties, live: DesiredPreferences, deployed?: ConnectionPreferencesResourceProperties): DeployDecision {
  const settings = readProperties(declared);
  const request = deployed === undefined ? 'Create' : isDeepStrictEqual(deployed, declared) ? 'none' : 'Update';
  const changes = differenceOf(live, settings.desired);
  if (samePreferences(live, settings.desired)) return { request, status: 'unchanged' };
  if (request === 'none') {
    // The template is as deployed, so the declared preferences are the deployed ones: the live ones moved.
    return { request, status: 'out-of-sync', changes, drift: driftOf(settings.desired, live, 'leaves') };
  }
  // The handler's drift check (converge's checkDrift) runs on an Update, before it writes, against what the stack
  // declared before, when that was for the same account and catalog.
  const previous = request === 'Update' ? previousDeclaration(deployed!, settings).previous : undefined;
  if (previous && !samePreferences(live, previous)) {
    const blocked = settings.driftPolicy === 'fail';
    return { request, status: blocked ? 'blocked' : 'change', changes, drift: driftOf(previous, live, blocked ? 'fails' : 'overwrites') };
  }
  return { request, status: 'change', changes };
}

function driftOf(before: DesiredPreferences, live: DesiredPreferences, deploy: Drift['deploy']): Drift {
  return { description: describeDifference(before, live), changes: differenceOf(before, live), deploy };
}

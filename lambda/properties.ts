import type { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { preferenceProblems } from '../lib/preference-rules';
import type { DesiredPreferences } from './connection-preferences-api';
import { ExplainedError } from './failure';

/** What one resource asks of the handler, read from its CloudFormation properties. */
export interface ResourceSettings {
  readonly desired: DesiredPreferences;
  readonly removalPolicy: 'retain' | 'destroy';
  readonly driftPolicy: 'overwrite' | 'fail';
  readonly assumeRoleArn?: string;
  readonly externalId?: string;
}

/**
 * Reads the properties, or throws with every problem before any API call. CloudFormation passes what the template
 * says, which may be hand-edited, a token resolved to a bad value, or what an earlier version of the construct wrote.
 */
export function readProperties(properties: ConnectionPreferencesResourceProperties): ResourceSettings {
  const problems = preferenceProblems({
    catalog: properties.Catalog,
    accessType: properties.AccessType,
    excludedParticipantIdentifiers: properties.ExcludedParticipantIdentifiers,
    removalPolicy: properties.RemovalPolicy,
    driftPolicy: properties.DriftPolicy,
    assumeRoleArn: properties.AssumeRoleArn,
    externalId: properties.ExternalId,
  });
  if (problems.length > 0) {
    throw new ExplainedError(`Invalid properties, nothing was changed: ${problems.join('; ')}`);
  }
  return {
    desired: {
      catalog: properties.Catalog,
      accessType: properties.AccessType,
      excludedParticipantIds: properties.ExcludedParticipantIdentifiers ?? [],
    },
    removalPolicy: (properties.RemovalPolicy ?? 'retain') as ResourceSettings['removalPolicy'],
    driftPolicy: (properties.DriftPolicy ?? 'overwrite') as ResourceSettings['driftPolicy'],
    assumeRoleArn: properties.AssumeRoleArn,
    externalId: properties.ExternalId,
  };
}

/**
 * The preferences the stack declared before an Update, for the drift check: none when they were for another account
 * or catalog (a replacement), or when they cannot be read (`unreadable` says why). The handler and plan both decide
 * with this.
 */
export function previousDeclaration(old: ConnectionPreferencesResourceProperties, settings: ResourceSettings): { previous?: DesiredPreferences; unreadable?: string } {
  let before: ResourceSettings;
  try {
    before = readProperties(old);
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
  const sameTarget = before.desired.catalog === settings.desired.catalog && before.assumeRoleArn === settings.assumeRoleArn;
  return sameTarget ? { previous: before.desired } : {};
}

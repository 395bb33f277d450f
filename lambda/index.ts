import type { CdkCustomResourceEvent, CdkCustomResourceResponse, Context } from 'aws-lambda';
import type { ConnectionPreferencesResourceAttributes, ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { ConnectionPreferencesApi, DesiredPreferences } from './connection-preferences-api';
import { converge } from './converge';
import { createLog } from './log';

export type ConnectionPreferencesEvent = CdkCustomResourceEvent<ConnectionPreferencesResourceProperties>;
export type ConnectionPreferencesResponse = CdkCustomResourceResponse<ConnectionPreferencesResourceAttributes>;

/** Time kept back from the Lambda timeout so that a failure is reported as ours, not as "Task timed out". */
export const SAFETY_MARGIN_MS = 10_000;

/**
 * The Provider framework's onEvent handler. Create and Update converge the account to the declared preferences;
 * Delete leaves them as they are.
 */
export async function handler(
  event: ConnectionPreferencesEvent,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
): Promise<ConnectionPreferencesResponse> {
  const log = createLog({ requestId: context.awsRequestId, logicalId: event.LogicalResourceId, eventType: event.RequestType });

  if (event.RequestType === 'Delete') {
    log('delete', { outcome: 'preferences left as they are', physicalResourceId: event.PhysicalResourceId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const desired = desiredPreferences(event.ResourceProperties);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
  const { preferences } = await converge(new ConnectionPreferencesApi(), desired, { deadline, log });
  return {
    // The preferences ARN names the account and catalog: stable for the same target, new for another one.
    PhysicalResourceId: preferences.arn,
    Data: {
      Arn: preferences.arn,
      Revision: String(preferences.revision),
      UpdatedAt: preferences.updatedAt,
      AccessType: preferences.accessType,
      ExcludedParticipantIds: preferences.excludedParticipantIds.join(','),
    },
  };
}

function desiredPreferences(properties: ConnectionPreferencesResourceProperties): DesiredPreferences {
  return {
    catalog: properties.Catalog,
    accessType: properties.AccessType,
    excludedParticipantIds: properties.ExcludedParticipantIdentifiers ?? [],
  };
}

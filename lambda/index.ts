import { createHash } from 'crypto';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse, Context } from 'aws-lambda';
import { EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES, type ConnectionPreferencesResourceAttributes, type ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { sessionNameOf } from './assume-role';
import { connect, ConnectOptions } from './connect';
import type { DesiredPreferences, LivePreferences } from './connection-preferences-api';
import { converge } from './converge';
import { deadlineOf } from './deadline';
import { logFailure, reported } from './failure';
import { createLog, Log } from './log';
import { previousDeclaration, readProperties, ResourceSettings } from './properties';
import { successorOf } from './successor';

export { SAFETY_MARGIN_MS } from './deadline';
export type ConnectionPreferencesEvent = CdkCustomResourceEvent<ConnectionPreferencesResourceProperties>;
export type ConnectionPreferencesResponse = CdkCustomResourceResponse<ConnectionPreferencesResourceAttributes>;

/** What DESTROY leaves behind: the plausible default of a new account. */
const RESET: Omit<DesiredPreferences, 'catalog'> = { accessType: 'ALLOW_ALL', excludedParticipantIds: [] };

/**
 * The Provider framework's onEvent handler. Create and Update converge the target account to the declared
 * preferences; Delete follows the removal policy. Whatever fails is logged in full and thrown as a reason that fits
 * CloudFormation's response (./failure).
 */
export async function handler(
  event: ConnectionPreferencesEvent,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
): Promise<ConnectionPreferencesResponse> {
  const log = createLog({ requestId: context.awsRequestId, logicalId: event.LogicalResourceId, eventType: event.RequestType });
  try {
    return await handle(event, deadlineOf(context), log);
  } catch (e) {
    logFailure(log, e);
    throw reported(e);
  }
}

async function handle(event: ConnectionPreferencesEvent, deadline: number, log: Log): Promise<ConnectionPreferencesResponse> {
  if (event.RequestType === 'Delete') {
    await deleteResource(event.PhysicalResourceId, event, deadline, log);
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const settings = readProperties(event.ResourceProperties);
  const previous = event.RequestType === 'Update' ? previousPreferences(event.OldResourceProperties, settings, log) : undefined;
  const api = await connect(settings, connectOptions(event, deadline, log));
  const preferences = await converge(api, settings.desired, { deadline, log, previous, driftPolicy: settings.driftPolicy });
  return {
    // The preferences ARN names the account and catalog: stable for the same target, new for another one, so
    // that CloudFormation replaces the resource and deletes the old one by its own removal policy.
    PhysicalResourceId: preferences.arn,
    Data: attributesOf(preferences),
  };
}

/** Every value a string, and the list only while it fits its budget: the count and digest always do. */
export function attributesOf(preferences: LivePreferences): ConnectionPreferencesResourceAttributes {
  const ids = preferences.excludedParticipantIds;
  const list = ids.join(',');
  return {
    Arn: preferences.arn,
    Revision: String(preferences.revision),
    UpdatedAt: preferences.updatedAt,
    AccessType: preferences.accessType,
    ...(Buffer.byteLength(list) <= EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES && { ExcludedParticipantIds: list }),
    ExcludedParticipantCount: String(ids.length),
    ExcludedParticipantIdsSha256: createHash('sha256').update([...ids].sort().join(',')).digest('hex'),
  };
}

async function deleteResource(physicalResourceId: string, event: ConnectionPreferencesEvent, deadline: number, log: Log): Promise<void> {
  let settings: ResourceSettings;
  try {
    settings = readProperties(event.ResourceProperties);
  } catch (e) {
    // Failing a Delete would block the stack's removal for properties it can no longer act on.
    log('decision', { outcome: 'left as they are', why: (e as Error).message });
    return;
  }
  if (settings.removalPolicy === 'retain') {
    log('decision', { outcome: 'left as they are', why: 'removal policy retain' });
    return;
  }
  if (!/^arn:aws[a-z-]*:partnercentral:/.test(physicalResourceId)) {
    log('decision', { outcome: 'nothing to reset', why: `the resource was never created (physical id ${physicalResourceId})` });
    return;
  }
  const successor = await successorOf({
    stackId: event.StackId, logicalId: event.LogicalResourceId, resourceType: event.ResourceType, physicalId: physicalResourceId, deadline, log,
  });
  if (successor) {
    // Loaded only here, as the CloudFormation client is.
    const { declarationToRestore } = await import('./rolled-back-move');
    const restore = await declarationToRestore({
      stackId: event.StackId, logicalId: event.LogicalResourceId, catalog: settings.desired.catalog, successor, deadline, log,
    });
    if (!restore) {
      log('decision', { outcome: 'left as they are', why: `${successor} of the same stack now manages them (a moved or renamed construct)` });
      return;
    }
    log('decision', { outcome: 'restore', why: `the rollback deletes what the failed deploy created; ${successor} manages these preferences again` });
    const restoring = await connect(restore, connectOptions(event, deadline, log));
    await converge(restoring, restore.desired, { deadline, log, driftPolicy: 'overwrite' });
    return;
  }
  const api = await connect(settings, connectOptions(event, deadline, log));
  await converge(api, { ...RESET, catalog: settings.desired.catalog }, { deadline, log, driftPolicy: 'overwrite' });
}

function connectOptions(event: ConnectionPreferencesEvent, deadline: number, log: Log): ConnectOptions {
  return { sessionName: sessionNameOf(event.StackId, event.LogicalResourceId), deadline, log, caller: 'the handler\'s role' };
}

function previousPreferences(old: ConnectionPreferencesResourceProperties, settings: ResourceSettings, log: Log): DesiredPreferences | undefined {
  const { previous, unreadable } = previousDeclaration(old, settings);
  if (unreadable) log('decision', { outcome: 'no drift check', why: `the previous properties are invalid: ${unreadable}` });
  return previous;
}

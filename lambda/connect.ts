import { assumeRole } from './assume-role';
import { ConnectionPreferencesApi } from './connection-preferences-api';
import type { Log } from './log';
import type { ResourceSettings } from './properties';

export interface ConnectOptions {
  /** Names the caller and resource in the target account's CloudTrail. */
  readonly sessionName: string;
  readonly deadline: number;
  readonly log: Log;
  /** Who calls, for error messages. */
  readonly caller: string;
}

/** The API of the resource's target: the caller's own account, or the account of its role, assumed first. */
export async function connect(settings: ResourceSettings, options: ConnectOptions): Promise<ConnectionPreferencesApi> {
  const { deadline, log } = options;
  if (!settings.assumeRoleArn) return new ConnectionPreferencesApi({ log, deadline, principal: options.caller });
  const credentials = await assumeRole({
    roleArn: settings.assumeRoleArn, externalId: settings.externalId, sessionName: options.sessionName, deadline, log, caller: options.caller,
  });
  return new ConnectionPreferencesApi({ log, deadline, credentials, principal: settings.assumeRoleArn });
}

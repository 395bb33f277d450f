import { GetConnectionPreferencesCommand, PartnerCentralAccountClient, UpdateConnectionPreferencesCommand, type AccessType } from '@aws-sdk/client-partnercentral-account';
import { credentialsOfAccount, DEFAULT_ACCOUNT, type Emulator } from '../../emulator/emulator';
import { PARTNER_CENTRAL_REGION } from '../../lambda/connection-preferences-api';
import { describePreferences } from './describe';
import { InputError } from './input-error';
import type { ChangeOptions } from './local-options';

/**
 * Changes the emulated preferences of a local deploy as someone in the console would: outside any stack, through the
 * API (read, then write with the revision read), so that `check` and `plan --local` find the change.
 */
export async function changeLocally(emulator: Emulator, endpoint: string, options: ChangeOptions): Promise<string> {
  const account = options.account ?? onlyDeployedAccount(emulator);
  const client = new PartnerCentralAccountClient({ region: PARTNER_CENTRAL_REGION, endpoint, credentials: credentialsOfAccount(account) });
  const before = await client.send(new GetConnectionPreferencesCommand({ Catalog: options.catalog }));
  const after = await client.send(new UpdateConnectionPreferencesCommand({
    Catalog: options.catalog, Revision: before.Revision, AccessType: options.accessType as AccessType, ExcludedParticipantIdentifiers: options.excludedParticipantIds,
  }));
  const describe = (p: typeof before) => describePreferences({ accessType: p.AccessType!, excludedParticipantIds: p.ExcludedParticipantIds ?? [], revision: p.Revision });
  return [
    `Changed the ${options.catalog} connection preferences of ${account} outside any stack:`,
    `  before  ${describe(before)}`,
    `  after   ${describe(after)}`,
    `Run 'connection-preferences check --local${options.local === '.local-deploy' ? '' : ` ${options.local}`}' to see what the monitor reports.`,
  ].join('\n');
}

function onlyDeployedAccount(emulator: Emulator): string {
  const accounts = [...new Set([...emulator.cloudFormation.stacks.values()].map((s) => s.Account))];
  if (accounts.length > 1) throw new InputError(`the local deploy has stacks in ${accounts.join(', ')}: pass --account`);
  return accounts[0] ?? DEFAULT_ACCOUNT;
}

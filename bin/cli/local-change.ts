import { credentialsOfAccount, DEFAULT_ACCOUNT, type Emulator } from '../../emulator/emulator';
import { ConnectionPreferencesApi } from '../../lambda/connection-preferences-api';
import { describePreferences } from './describe';
import { InputError } from './input-error';
import type { ChangeOptions } from './local-options';
import { useEmulator } from './plan';

/** How long the read and the write together may take. */
const CHANGE_TIMEOUT_MS = 30_000;

/**
 * Changes the emulated preferences of a local deploy as someone in the console would: outside any stack, through the
 * API (read, then write with the revision read), so that `check` and `plan --local` find the change.
 */
export async function changeLocally(emulator: Emulator, endpoint: string, options: ChangeOptions): Promise<string> {
  const account = options.account ?? onlyDeployedAccount(emulator);
  // The handler's own API client: its calls have deadlines, and its errors say what to do.
  useEmulator(endpoint);
  const api = new ConnectionPreferencesApi({ log: () => undefined, deadline: Date.now() + CHANGE_TIMEOUT_MS, credentials: credentialsOfAccount(account), principal: `account ${account}` });
  const before = await api.read(options.catalog, 1);
  const after = await api.write({ catalog: options.catalog, accessType: options.accessType, excludedParticipantIds: options.excludedParticipantIds }, before.revision, 1);
  return [
    `Changed the ${options.catalog} connection preferences of ${account} outside any stack:`,
    `  before  ${describePreferences(before)}`,
    `  after   ${describePreferences(after)}`,
    `Run 'connection-preferences check --local${options.local === '.local-deploy' ? '' : ` ${options.local}`}' to see what the monitor reports.`,
  ].join('\n');
}

function onlyDeployedAccount(emulator: Emulator): string {
  const accounts = [...new Set([...emulator.cloudFormation.stacks.values()].map((s) => s.Account))];
  if (accounts.length > 1) throw new InputError(`the local deploy has stacks in ${accounts.join(', ')}: pass --account`);
  return accounts[0] ?? DEFAULT_ACCOUNT;
}

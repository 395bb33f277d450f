import { EmulatorSettings, Emulator } from '../../emulator/emulator';
import { testStackOf } from './events';

/**
 * Starts an in-process emulator for a test file and points the SDK's standard environment at it: the endpoint
 * override, static credentials, and a region other than us-east-1 (so pinning is visible in the signature).
 * Each test takes its own access key, and so its own emulated account.
 */
export function useEmulator(settings: Partial<EmulatorSettings> = {}): { emulator: Emulator; newAccount: () => string } {
  const emulator = new Emulator(settings);
  const saved = { ...process.env };
  let accounts = 0;

  beforeAll(async () => {
    const url = await emulator.start();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_REGION: 'eu-west-1',
      AWS_SECRET_ACCESS_KEY: 'emulator-secret',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
  });
  afterAll(async () => {
    await emulator.stop();
    process.env = saved;
  });

  /**
   * Switches the SDK to a fresh account and returns its id. The account has the stack that the events of
   * ./events come from, with their resource in it, as CloudFormation has it while it sends them.
   */
  const newAccount = () => {
    accounts += 1;
    const account = String(100000000000 + accounts);
    process.env.AWS_ACCESS_KEY_ID = `AKIATEST${account}`;
    emulator.cloudFormation.record(testStackOf(account));
    return account;
  };
  return { emulator, newAccount };
}

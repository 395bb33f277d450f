import * as fc from 'fast-check';
import { handler } from '../lambda';
import { FAILURE_MESSAGE_MAX_BYTES } from '../lambda/failure';
import type { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { createEvent, lambdaContext } from './support/events';
import { useEmulator } from './support/emulator-environment';
import { acceptable, hostileProperties } from './support/hostile-inputs';

jest.setTimeout(120_000);

const { emulator, newAccount } = useEmulator();

/** A fixed seed: npm test runs the same sample every time; change it (or numRuns) to search further. */
const SEED = 20261126;
const RUNS = 150;

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

test('hostile properties: a Create either converges, or fails with a bounded reason that names the problem, and writes nothing', async () => {
  let failed = 0;
  await fc.assert(fc.asyncProperty(hostileProperties, async (properties) => {
    const account = newAccount();
    let outcome: 'converged' | Error;
    try {
      await handler(createEvent(properties as ConnectionPreferencesResourceProperties), lambdaContext());
      outcome = 'converged';
    } catch (e) {
      outcome = e as Error;
    }
    expect(({} as any).polluted).toBeUndefined();
    expect(outcome === 'converged').toBe(acceptable(properties));
    if (outcome === 'converged') {
      // Only properties the rules accept reach the API, and then the account holds them.
      const live = emulator.preferences(account, String(properties.Catalog));
      expect(live.AccessType).toBe(properties.AccessType);
      return;
    }
    failed += 1;
    expect(outcome.message).toMatch(/^Invalid properties, nothing was changed: /);
    expect(outcome.message).not.toMatch(/failed unexpectedly/);
    expect(outcome.message).not.toContain('\n');
    expect(Buffer.byteLength(JSON.stringify(outcome.message))).toBeLessThanOrEqual(FAILURE_MESSAGE_MAX_BYTES);
    expect(emulator.callsOf('UpdateConnectionPreferences', account)).toEqual([]);
    expect(emulator.callsOf('GetConnectionPreferences', account)).toEqual([]);
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  // The sample must exercise the refusals, not only valid declarations.
  expect(failed).toBeGreaterThan(RUNS / 2);
});

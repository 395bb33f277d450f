import * as fc from 'fast-check';
import { handler } from '../lambda';
import { FAILURE_MESSAGE_MAX_BYTES } from '../lambda/failure';
import type { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { createEvent, lambdaContext } from './support/events';
import { useEmulator } from './support/emulator-environment';

jest.setTimeout(120_000);

const { emulator, newAccount } = useEmulator();

/** A fixed seed: npm test runs the same sample every time; change it (or numRuns) to search further. */
const SEED = 20261126;
const RUNS = 150;

const FIELDS = ['Catalog', 'AccessType', 'ExcludedParticipantIdentifiers', 'RemovalPolicy', 'DriftPolicy', 'AssumeRoleArn', 'ExternalId'];
/** Values a template can hold where a property is expected, the valid ones among them. */
const hostileValue = fc.oneof(
  fc.constantFrom('AWS', 'Sandbox', 'ALLOW_ALL', 'DENY_ALL', 'ALLOW_BY_DEFAULT_DENY_SOME', 'retain', 'destroy', 'overwrite', 'fail'),
  fc.string(), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ minLength: 5_000, maxLength: 20_000 }),
  fc.array(fc.string({ maxLength: 120 }), { maxLength: 120 }),
  fc.constant(Array.from({ length: 10_000 }, (_, i) => `p-${i}`)),
  fc.array(fc.oneof(fc.integer(), fc.object(), fc.constant(null)), { maxLength: 5 }),
  fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 3 }),
  fc.constant({ __proto__: { polluted: true } }), fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}')),
);
/** The construct's properties, some replaced by hostile values, some left out, with strange keys added. */
const hostileProperties = fc.record({
  replaced: fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 4 }),
  removed: fc.subarray(FIELDS),
  extra: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'ServiceTimeout'), hostileValue, { maxKeys: 2 }),
}).map(({ replaced, removed, extra }) => {
  const properties: Record<string, unknown> = JSON.parse(JSON.stringify({
    Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-1'], RemovalPolicy: 'retain', DriftPolicy: 'overwrite',
  }));
  for (const field of removed) delete properties[field];
  // As a template's JSON reaches the handler: own keys, __proto__ included, never a prototype change.
  const [base, added] = [JSON.stringify({ ...properties, ...replaced }), JSON.stringify(extra)];
  return JSON.parse(base === '{}' ? added : added === '{}' ? base : `${base.slice(0, -1)},${added.slice(1)}`);
});

/** The rules as the service model and the README state them, written out apart from the handler's own checks. */
function acceptable(p: Record<string, any>): boolean {
  const ids = p.ExcludedParticipantIdentifiers;
  const idsValid = ids === undefined || (Array.isArray(ids) && ids.length <= 100 && new Set(ids).size === ids.length
    && ids.every((id) => typeof id === 'string' && /^[a-zA-Z0-9-]{1,100}$/.test(id)));
  return ['AWS', 'Sandbox'].includes(p.Catalog)
    && ['ALLOW_ALL', 'DENY_ALL', 'ALLOW_BY_DEFAULT_DENY_SOME'].includes(p.AccessType)
    && [undefined, 'retain', 'destroy'].includes(p.RemovalPolicy)
    && [undefined, 'overwrite', 'fail'].includes(p.DriftPolicy)
    && p.AssumeRoleArn === undefined && p.ExternalId === undefined
    && idsValid && (p.AccessType === 'ALLOW_BY_DEFAULT_DENY_SOME' || (ids ?? []).length === 0);
}

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

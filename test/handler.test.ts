import { createHash } from 'crypto';
import { SAFETY_MARGIN_MS } from '../lambda';
import { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { HANDLERS, createEvent, deleteEvent, lambdaContext, updateEvent } from './support/events';
import { useEmulator } from './support/emulator-environment';

jest.setTimeout(30_000);

const { emulator, newAccount } = useEmulator();
const DENY_SOME: ConnectionPreferencesResourceProperties = {
  Catalog: 'AWS',
  AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME',
  ExcludedParticipantIdentifiers: ['pprofile-abc', '123456789012'],
};

// Keep the handler's decision log out of the test output.
beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => {
  jest.restoreAllMocks();
  emulator.clearFaults();
});

describe.each(HANDLERS)('handler (%s)', (_, handler) => {
  test('Create writes the declared preferences with the live revision and returns the ARN and attributes', async () => {
    const account = newAccount();
    const response = await handler(createEvent(DENY_SOME), lambdaContext());

    const live = emulator.preferences(account, 'AWS');
    expect(live).toMatchObject({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['pprofile-abc', '123456789012'], Revision: 1 });
    expect(emulator.callsOf('UpdateConnectionPreferences', account).map((c) => c.request.Revision)).toEqual([0]);
    expect(response).toEqual({
      PhysicalResourceId: `arn:aws:partnercentral:us-east-1:${account}:catalog/AWS/connection-preferences`,
      Data: {
        Arn: live.Arn,
        Revision: '1',
        UpdatedAt: live.UpdatedAt,
        AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME',
        ExcludedParticipantIds: 'pprofile-abc,123456789012',
        ExcludedParticipantCount: '2',
        // sha256 of the sorted list, as a user can compute it: printf %s '123456789012,pprofile-abc' | sha256sum
        ExcludedParticipantIdsSha256: createHash('sha256').update('123456789012,pprofile-abc').digest('hex'),
      },
    });
    expect(live.UpdatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  test('Update converges to the new properties and keeps the physical id', async () => {
    const account = newAccount();
    const created = await handler(createEvent(DENY_SOME), lambdaContext());
    const updated = await handler(
      updateEvent({ Catalog: 'AWS', AccessType: 'DENY_ALL' }, DENY_SOME, created.PhysicalResourceId!),
      lambdaContext(),
    );

    expect(emulator.preferences(account, 'AWS')).toMatchObject({ AccessType: 'DENY_ALL', ExcludedParticipantIds: [], Revision: 2 });
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(updated.Data).toMatchObject({ Revision: '2', AccessType: 'DENY_ALL', ExcludedParticipantIds: '' });
  });

  test('preferences that already equal the declared ones are read once and not written', async () => {
    const account = newAccount();
    emulator.writeOutside(account, 'AWS', { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });
    const callsBefore = emulator.calls.length;

    const response = await handler(createEvent({ Catalog: 'AWS', AccessType: 'DENY_ALL' }), lambdaContext());

    expect(emulator.calls.slice(callsBefore).map((c) => c.operation)).toEqual(['GetConnectionPreferences']);
    expect(response.Data?.Revision).toBe('1');
  });

  test('the same exclusions in another order are a no-op', async () => {
    const account = newAccount();
    emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['123456789012', 'pprofile-abc'] });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(emulator.callsOf('GetConnectionPreferences', account)).toHaveLength(1);
    expect(emulator.callsOf('UpdateConnectionPreferences', account)).toHaveLength(0);
  });

  test('a competing write between read and write is retried with a fresh read and ends in the declared state', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'competing-write', count: 1, competingPreferences: { AccessType: 'DENY_ALL', ExcludedParticipantIds: ['999999999999'] } });

    const response = await handler(createEvent(DENY_SOME), lambdaContext());

    const updates = emulator.callsOf('UpdateConnectionPreferences', account);
    expect(updates.map((c) => [c.request.Revision, c.status, c.errorType])).toEqual([
      [0, 409, 'ConflictException'],
      [1, 200, undefined],
    ]);
    expect(emulator.callsOf('GetConnectionPreferences', account)).toHaveLength(2);
    expect(emulator.preferences(account, 'AWS')).toMatchObject({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: DENY_SOME.ExcludedParticipantIdentifiers, Revision: 2 });
    expect(response.Data?.Revision).toBe('2');
  });

  test('conflicts that outlast the remaining time fail with a reason that names the conflict, before the deadline', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'competing-write', count: 1_000 });
    const budgetMs = 1_500;
    const started = Date.now();

    await expect(handler(createEvent(DENY_SOME), lambdaContext(SAFETY_MARGIN_MS + budgetMs)))
      .rejects.toThrow(/ConflictException \(INCOMPATIBLE_CONNECTION_PREFERENCES_REVISION\).*another writer/);

    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(budgetMs - 200);
    expect(elapsed).toBeLessThan(budgetMs + SAFETY_MARGIN_MS);
    expect(emulator.callsOf('UpdateConnectionPreferences', account).length).toBeGreaterThan(1);
    expect(emulator.writes.filter((w) => w.account === account && w.by === 'api')).toHaveLength(0);
  });

  test('a burst of throttling is absorbed by the SDK retry strategy', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'throttle', count: 2, operation: 'GetConnectionPreferences' });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(emulator.callsOf('GetConnectionPreferences', account).map((c) => c.status)).toEqual([429, 429, 200]);
    expect(emulator.preferences(account, 'AWS').AccessType).toBe('ALLOW_BY_DEFAULT_DENY_SOME');
  });

  test('a burst of 500s on the write is absorbed by the SDK retry strategy', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'internal-error', count: 2, operation: 'UpdateConnectionPreferences' });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(emulator.callsOf('UpdateConnectionPreferences', account).map((c) => c.status)).toEqual([500, 500, 200]);
    expect(emulator.preferences(account, 'AWS').Revision).toBe(1);
  });

  test('the AWS and Sandbox catalogs are independent', async () => {
    const account = newAccount();
    const sandbox = await handler(createEvent({ Catalog: 'Sandbox', AccessType: 'DENY_ALL' }), lambdaContext());
    const production = await handler(createEvent(DENY_SOME), lambdaContext());

    expect(emulator.preferences(account, 'Sandbox')).toMatchObject({ AccessType: 'DENY_ALL', Revision: 1 });
    expect(emulator.preferences(account, 'AWS')).toMatchObject({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', Revision: 1 });
    expect(sandbox.PhysicalResourceId).toMatch(/:catalog\/Sandbox\/connection-preferences$/);
    expect(production.PhysicalResourceId).toMatch(/:catalog\/AWS\/connection-preferences$/);
  });

  test('calls are signed for us-east-1 whatever AWS_REGION says', async () => {
    const account = newAccount();
    expect(process.env.AWS_REGION).toBe('eu-west-1');

    await handler(createEvent(DENY_SOME), lambdaContext());

    const calls = emulator.calls.filter((c) => c.account === account);
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((c) => `${c.region}/${c.service}`))).toEqual(new Set(['us-east-1/partnercentral-account']));
  });

  test('the physical id is stable for the same account and catalog, and differs for another account', async () => {
    newAccount();
    const first = await handler(createEvent(DENY_SOME), lambdaContext());
    const again = await handler(createEvent({ Catalog: 'AWS', AccessType: 'DENY_ALL' }), lambdaContext());
    newAccount();
    const other = await handler(createEvent(DENY_SOME), lambdaContext());

    expect(again.PhysicalResourceId).toBe(first.PhysicalResourceId);
    expect(other.PhysicalResourceId).not.toBe(first.PhysicalResourceId);
  });

  test('Delete makes no API call and leaves the preferences as they are', async () => {
    const account = newAccount();
    const created = await handler(createEvent(DENY_SOME), lambdaContext());
    const callsBefore = emulator.calls.length;

    const response = await handler(deleteEvent(DENY_SOME, created.PhysicalResourceId!), lambdaContext());

    expect(emulator.calls.length).toBe(callsBefore);
    expect(response).toEqual({ PhysicalResourceId: created.PhysicalResourceId });
    expect(emulator.preferences(account, 'AWS').AccessType).toBe('ALLOW_BY_DEFAULT_DENY_SOME');
  });

});

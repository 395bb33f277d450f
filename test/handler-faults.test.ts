import { handler as sourceHandler, SAFETY_MARGIN_MS } from '../lambda';
import { DEFAULT_SETTINGS } from '../emulator/emulator';
import { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { HANDLERS, createEvent, lambdaContext } from './support/events';
import { useEmulator } from './support/emulator-environment';

jest.setTimeout(60_000);

const { emulator, newAccount } = useEmulator();
const DENY_SOME: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-b', 'p-a', 'p-c'] };
const ALLOW_ALL: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'ALLOW_ALL' };

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => {
  jest.restoreAllMocks();
  emulator.clearFaults();
  Object.assign(emulator.settings, structuredClone(DEFAULT_SETTINGS));
});

const statuses = (account: string) => emulator.calls.filter((c) => c.account === account).map((c) => `${c.operation.replace('ConnectionPreferences', '')} ${c.status}`);

describe.each(HANDLERS)('handler (%s) under faults', (_, handler) => {
  test('half of all calls throttled: converges through the SDK retries', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'throttle', count: 100, every: 2 });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(statuses(account)).toEqual(['Get 429', 'Get 200', 'Update 429', 'Update 200']);
    expect(emulator.preferences(account, 'AWS').AccessType).toBe('ALLOW_BY_DEFAULT_DENY_SOME');
  });

  test('an API that keeps answering 500 fails with the last error, long before the deadline', async () => {
    newAccount();
    emulator.inject({ kind: 'internal-error', count: 1_000 });
    const started = Date.now();

    await expect(handler(createEvent(DENY_SOME), lambdaContext()))
      .rejects.toThrow(/GetConnectionPreferences for the AWS catalog failed after 3 attempts: InternalServerException: An internal error occurred/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test('a dropped connection is retried by the SDK', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'reset', count: 1, operation: 'UpdateConnectionPreferences' });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(statuses(account)).toEqual(['Get 200', 'Update 0', 'Update 200']);
  });

  test('a multi-second latency spike is waited out', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'latency', count: 1, delayMs: 2_500, operation: 'GetConnectionPreferences' });

    await handler(createEvent(DENY_SOME), lambdaContext());

    expect(emulator.preferences(account, 'AWS').Revision).toBe(1);
  });

  test('an answer slower than the time left fails at the deadline with a reason, before the Lambda timeout', async () => {
    newAccount();
    emulator.inject({ kind: 'latency', count: 1, delayMs: 8_000 });
    const started = Date.now();

    await expect(handler(createEvent(DENY_SOME), lambdaContext(SAFETY_MARGIN_MS + 1_500)))
      .rejects.toThrow(/GetConnectionPreferences did not finish within the \d+ ms left before the handler's deadline/);
    expect(Date.now() - started).toBeLessThan(1_500 + SAFETY_MARGIN_MS / 2);
  });

  test('AccessDenied fails at once with the service\'s reason and what the role needs', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'access-denied', count: 1, reason: 'INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE' });

    await expect(handler(createEvent(DENY_SOME), lambdaContext()))
      .rejects.toThrow(/denied GetConnectionPreferences for the AWS catalog to the handler's role \(INCOMPATIBLE_BENEFIT_AWS_PARTNER_STATE\): User is not authorized.*needs partnercentral:GetConnectionPreferences with partnercentral:Catalog AWS/);
    expect(statuses(account)).toEqual(['Get 403']);
  });

  test('a ValidationException from the service fails with its details', async () => {
    newAccount();
    emulator.inject({ kind: 'validation', count: 1, operation: 'UpdateConnectionPreferences', code: 'INVALID_ACCOUNT_LINKING_STATUS' });

    await expect(handler(createEvent(DENY_SOME), lambdaContext()))
      .rejects.toThrow(/rejected UpdateConnectionPreferences for the AWS catalog \(BUSINESS_VALIDATION_FAILED\): INVALID_ACCOUNT_LINKING_STATUS \(The account failed the INVALID_ACCOUNT_LINKING_STATUS check\)/);
  });

  describe('every setting for what AWS does not document', () => {
    test.each(['accept', 'ignore', 'reject'] as const)('exclusions kept with ALLOW_ALL (%s): leaving DENY_SOME converges, and the next deploy is a no-op', async (mode) => {
      const account = newAccount();
      emulator.settings.exclusionsWithoutDenySome = mode;
      await handler(createEvent(DENY_SOME), lambdaContext());

      await handler(createEvent(ALLOW_ALL), lambdaContext());
      const updates = emulator.callsOf('UpdateConnectionPreferences', account).length;
      await handler(createEvent(ALLOW_ALL), lambdaContext());

      expect(emulator.preferences(account, 'AWS').AccessType).toBe('ALLOW_ALL');
      expect(emulator.callsOf('UpdateConnectionPreferences', account)).toHaveLength(updates);
    });

    test('initial revision 1 and DENY_ALL: the handler writes with the revision it read', async () => {
      const account = newAccount();
      emulator.settings.initialRevision = 1;
      emulator.settings.initialPreferences = { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] };

      const response = await handler(createEvent(DENY_SOME), lambdaContext());

      expect(emulator.callsOf('UpdateConnectionPreferences', account).map((c) => c.request.Revision)).toEqual([1]);
      expect(response.Data?.Revision).toBe('2');
    });

    test.each(['sorted', 'reversed'] as const)('identifiers returned %s: the next deploy is a no-op', async (order) => {
      const account = newAccount();
      emulator.settings.exclusionOrder = order;
      await handler(createEvent(DENY_SOME), lambdaContext());

      const again = await handler(createEvent(DENY_SOME), lambdaContext());

      expect(emulator.callsOf('UpdateConnectionPreferences', account)).toHaveLength(1);
      expect(again.Data?.ExcludedParticipantIds).toBe(order === 'sorted' ? 'p-a,p-b,p-c' : 'p-c,p-a,p-b');
    });
  });

  test('8 concurrent writers: each succeeds or fails cleanly before its deadline, and no successful write is lost', async () => {
    const account = newAccount();
    const budgetMs = 20_000;
    // Eight different states, none of them the initial one, so that every success is a write.
    const declared = Array.from({ length: 8 }, (_, i): ConnectionPreferencesResourceProperties => (i === 0
      ? { Catalog: 'AWS', AccessType: 'DENY_ALL' }
      : { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: [`p-${i}`] }));
    const started = Date.now();

    const outcomes = await Promise.allSettled(declared.map((properties) =>
      handler(createEvent(properties), lambdaContext(SAFETY_MARGIN_MS + budgetMs)).then((response) => ({ response }))));

    const succeeded = outcomes.flatMap((o, i) => o.status === 'fulfilled' ? [{ ...o.value, properties: declared[i] }] : []);
    const failures = outcomes.flatMap((o) => o.status === 'rejected' ? [o.reason.message] : []);
    expect(failures.every((m) => /ConflictException/.test(m))).toBe(true);
    expect(Date.now() - started).toBeLessThan(budgetMs + SAFETY_MARGIN_MS);
    expect(succeeded.length).toBeGreaterThan(0);
    // They did contend: writes were refused for stale revisions and retried.
    expect(emulator.callsOf('UpdateConnectionPreferences', account).filter((c) => c.status === 409).length).toBeGreaterThan(0);

    // Every success is a distinct revision in the emulator's history, holding what that writer declared.
    const history = emulator.writes.filter((w) => w.account === account);
    const revisions = succeeded.map((s) => Number(s.response.Data!.Revision));
    expect(new Set(revisions).size).toBe(succeeded.length);
    for (const success of succeeded) {
      const write = history.find((w) => w.revision === Number(success.response.Data!.Revision));
      expect(write).toMatchObject({ by: 'api', AccessType: success.properties.AccessType, ExcludedParticipantIds: success.properties.ExcludedParticipantIdentifiers ?? [] });
    }
    // The final state is the last successful writer's declaration.
    const last = succeeded.sort((a, b) => Number(b.response.Data!.Revision) - Number(a.response.Data!.Revision))[0];
    expect(emulator.preferences(account, 'AWS')).toMatchObject({
      AccessType: last.properties.AccessType,
      ExcludedParticipantIds: last.properties.ExcludedParticipantIdentifiers ?? [],
      Revision: Math.max(...revisions),
    });
    });
});

test('a request that gets no answer for 10 s is cut and retried by the SDK, not left to the deadline', async () => {
  const account = newAccount();
  const handler = sourceHandler;
  emulator.inject({ kind: 'latency', count: 1, delayMs: 15_000, operation: 'GetConnectionPreferences' });
  const started = Date.now();

  await handler(createEvent(DENY_SOME), lambdaContext());

  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(10_000);
  expect(elapsed).toBeLessThan(15_000);
  expect(emulator.callsOf('GetConnectionPreferences', account)).toHaveLength(2);
  expect(emulator.preferences(account, 'AWS').Revision).toBe(1);
});

test('requests that time out on every SDK attempt fail with the SDK\'s timeout, not as the handler\'s deadline', async () => {
  newAccount();
  emulator.inject({ kind: 'latency', count: 3, delayMs: 12_000, operation: 'GetConnectionPreferences' });

  await expect(sourceHandler(createEvent(DENY_SOME), lambdaContext()))
    .rejects.toThrow(/GetConnectionPreferences for the AWS catalog failed after 3 attempts: TimeoutError/);
}, 60_000);

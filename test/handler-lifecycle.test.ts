import { handler as sourceHandler } from '../lambda';
import { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { HANDLERS, captureLogs, createEvent, deleteEvent, lambdaContext, updateEvent } from './support/events';
import { useEmulator } from './support/emulator-environment';

jest.setTimeout(30_000);

const { emulator, newAccount } = useEmulator();
const A: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-a'], RemovalPolicy: 'retain', DriftPolicy: 'overwrite' };
const B: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'DENY_ALL', RemovalPolicy: 'retain', DriftPolicy: 'overwrite' };
const OTHER_ACCOUNT = '210987654321';
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/PartnerCentralPreferences`;

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => {
  jest.restoreAllMocks();
  emulator.clearFaults();
  emulator.settings.roleExternalIds = {};
});

const state = (account: string, catalog = 'AWS') => {
  const { AccessType, ExcludedParticipantIds } = emulator.preferences(account, catalog);
  return { AccessType, ExcludedParticipantIds };
};
const apiWrites = (account: string) => emulator.writes.filter((w) => w.account === account && w.by === 'api');

describe.each(HANDLERS)('handler (%s)', (_, handler) => {
  describe('properties are checked before any call', () => {
    test.each([
      ['a hand-edited access type', { ...A, AccessType: 'ALLOW_SOME' }, /accessType is "ALLOW_SOME"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME/],
      ['a token that resolved to a bad identifier', { ...A, ExcludedParticipantIdentifiers: ['p a'] }, /malformed identifiers "p a"/],
      ['exclusions with DENY_ALL', { ...B, ExcludedParticipantIdentifiers: ['p-a'] }, /only apply to ALLOW_BY_DEFAULT_DENY_SOME/],
      ['a removal policy the handler does not know', { ...A, RemovalPolicy: 'snapshot' }, /removalPolicy is "snapshot"; allowed: retain, destroy/],
      ['a malformed role ARN', { ...A, AssumeRoleArn: 'arn:aws:iam::12:role/x' }, /assumeRoleArn is .*allowed: an IAM role ARN/],
    ])('%s fails the resource with the reason, and nothing is called', async (_case, properties, reason) => {
      const account = newAccount();
      await expect(handler(createEvent(properties as ConnectionPreferencesResourceProperties), lambdaContext()))
        .rejects.toThrow(reason);
      await expect(handler(createEvent(properties as ConnectionPreferencesResourceProperties), lambdaContext()))
        .rejects.toThrow(/Invalid properties, nothing was changed/);
      expect(emulator.calls.filter((c) => c.account === account)).toEqual([]);
    });
  });

  describe('removal policy', () => {
    test('RETAIN (and properties without a policy, as 0.1.0 wrote them) leave the preferences and make no call', async () => {
      const account = newAccount();
      const { PhysicalResourceId } = await handler(createEvent(A), lambdaContext());
      const callsBefore = emulator.calls.length;

      await handler(deleteEvent(A, PhysicalResourceId!), lambdaContext());
      await handler(deleteEvent({ Catalog: 'AWS', AccessType: 'DENY_ALL' }, PhysicalResourceId!), lambdaContext());

      expect(emulator.calls.length).toBe(callsBefore);
      expect(state(account)).toEqual({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-a'] });
    });

    test('DESTROY resets to ALLOW_ALL with no exclusions, through a conflict', async () => {
      const account = newAccount();
      const destroy = { ...A, RemovalPolicy: 'destroy' };
      const { PhysicalResourceId } = await handler(createEvent(destroy), lambdaContext());
      emulator.inject({ kind: 'competing-write', count: 1 });

      const response = await handler(deleteEvent(destroy, PhysicalResourceId!), lambdaContext());

      expect(response).toEqual({ PhysicalResourceId });
      expect(state(account)).toEqual({ AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });
      expect(emulator.callsOf('UpdateConnectionPreferences', account).map((c) => c.status)).toEqual([200, 409, 200]);
    });

    test('a Delete for a resource whose Create failed makes no call, even with DESTROY', async () => {
      const account = newAccount();
      const failedCreateId = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

      await expect(handler(deleteEvent({ ...A, RemovalPolicy: 'destroy' }, failedCreateId), lambdaContext()))
        .resolves.toEqual({ PhysicalResourceId: failedCreateId });
      expect(emulator.calls.filter((c) => c.account === account)).toEqual([]);
    });

    test('a Delete with properties it cannot act on succeeds without a call, so the stack can still be removed', async () => {
      const account = newAccount();
      await handler(deleteEvent({ ...A, RemovalPolicy: 'destroy', AccessType: 'BROKEN' }, 'arn:aws:partnercentral:us-east-1:1:catalog/AWS/connection-preferences'), lambdaContext());
      expect(emulator.calls.filter((c) => c.account === account)).toEqual([]);
    });
  });

  describe('drift policy', () => {
    test('OVERWRITE converges over a change made outside the stack', async () => {
      const account = newAccount();
      const { PhysicalResourceId } = await handler(createEvent(A), lambdaContext());
      emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });

      await handler(updateEvent(B, A, PhysicalResourceId!), lambdaContext());

      expect(state(account)).toEqual({ AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });
    });

    test('FAIL fails without writing, naming the difference and how to adopt or overwrite it', async () => {
      const account = newAccount();
      const { PhysicalResourceId } = await handler(createEvent(A), lambdaContext());
      emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-a', 'p-console'] });
      const writesBefore = apiWrites(account).length;

      await expect(handler(updateEvent({ ...B, DriftPolicy: 'fail' }, A, PhysicalResourceId!), lambdaContext()))
        .rejects.toThrow(/changed outside this stack \(revision 2\): exclusions added: p-console\. Nothing was written\. To keep that change, declare it in the stack.*DriftPolicy\.OVERWRITE/);
      expect(apiWrites(account)).toHaveLength(writesBefore);
      expect(state(account).ExcludedParticipantIds).toEqual(['p-a', 'p-console']);
    });

    test('FAIL does not fail when the outside change already matches the new declaration', async () => {
      const account = newAccount();
      const { PhysicalResourceId } = await handler(createEvent(A), lambdaContext());
      emulator.writeOutside(account, 'AWS', { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });

      await handler(updateEvent({ ...B, DriftPolicy: 'fail' }, A, PhysicalResourceId!), lambdaContext());
      expect(emulator.callsOf('UpdateConnectionPreferences', account)).toHaveLength(1);
    });
  });

  describe('lifecycle', () => {
    test('a rollback Update (old and new swapped) restores the old state', async () => {
      const account = newAccount();
      const { PhysicalResourceId } = await handler(createEvent(A), lambdaContext());
      await handler(updateEvent(B, A, PhysicalResourceId!), lambdaContext());

      await handler(updateEvent(A, B, PhysicalResourceId!), lambdaContext());

      expect(state(account)).toEqual({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-a'] });
    });

    test('another catalog is a replacement; the old resource\'s Delete follows its removal policy', async () => {
      const account = newAccount();
      const oldProps = { ...A, RemovalPolicy: 'destroy' };
      const created = await handler(createEvent(oldProps), lambdaContext());
      const newProps = { ...oldProps, Catalog: 'Sandbox' };

      const updated = await handler(updateEvent(newProps, oldProps, created.PhysicalResourceId!), lambdaContext());
      expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
      expect(updated.PhysicalResourceId).toMatch(/catalog\/Sandbox\//);
      // CloudFormation then deletes the old resource, with the old properties.
      await handler(deleteEvent(oldProps, created.PhysicalResourceId!), lambdaContext());

      expect(state(account, 'AWS')).toEqual({ AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });
      expect(state(account, 'Sandbox')).toEqual({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-a'] });
    });

    test('the same event delivered twice writes once and answers the same', async () => {
      const account = newAccount();
      const event = createEvent(A);
      const first = await handler(event, lambdaContext());
      const second = await handler(event, lambdaContext());

      expect(second).toEqual(first);
      expect(apiWrites(account)).toHaveLength(1);
    });

    test('an Update from properties written by 0.1.0 (no policies, no role) converges', async () => {
      const account = newAccount();
      const legacy = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-a'] };
      const { PhysicalResourceId } = await handler(createEvent(legacy), lambdaContext());

      const updated = await handler(updateEvent(B, legacy, PhysicalResourceId!), lambdaContext());

      expect(updated.PhysicalResourceId).toBe(PhysicalResourceId);
      expect(state(account)).toEqual({ AccessType: 'DENY_ALL', ExcludedParticipantIds: [] });
    });
  });

  describe('cross-account', () => {
    test('assumes the role with STS and manages the role\'s account, with a session name naming stack and resource', async () => {
      const own = newAccount();
      const response = await handler(createEvent({ ...A, AssumeRoleArn: ROLE }), lambdaContext());

      expect(response.PhysicalResourceId).toBe(`arn:aws:partnercentral:us-east-1:${OTHER_ACCOUNT}:catalog/AWS/connection-preferences`);
      expect(state(OTHER_ACCOUNT)).toEqual({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-a'] });
      expect(emulator.calls.filter((c) => c.account === own).map((c) => [c.operation, c.service, c.request.RoleSessionName]))
        .toEqual([['AssumeRole', 'sts', 'Partner.Prefs']]);
      emulator.reset();
    });

    test('the external id is sent, and a wrong one fails with a reason before any Partner Central call', async () => {
      newAccount();
      emulator.settings.roleExternalIds = { [ROLE]: 'partner-ext-1' };

      await expect(handler(createEvent({ ...A, AssumeRoleArn: ROLE, ExternalId: 'wrong-one' }), lambdaContext()))
        .rejects.toThrow(new RegExp(`Could not assume ${ROLE} with the given externalId: AccessDenied`));
      expect(emulator.callsOf('GetConnectionPreferences', OTHER_ACCOUNT)).toEqual([]);

      await handler(createEvent({ ...A, AssumeRoleArn: ROLE, ExternalId: 'partner-ext-1' }), lambdaContext());
      expect(state(OTHER_ACCOUNT).AccessType).toBe('ALLOW_BY_DEFAULT_DENY_SOME');
      emulator.reset();
    });

    test('pointing the resource at another account is a replacement', async () => {
      newAccount();
      const own = await handler(createEvent(A), lambdaContext());
      const other = await handler(updateEvent({ ...A, AssumeRoleArn: ROLE }, A, own.PhysicalResourceId!), lambdaContext());
      expect(other.PhysicalResourceId).not.toBe(own.PhysicalResourceId);
      expect(other.PhysicalResourceId).toContain(OTHER_ACCOUNT);
      emulator.reset();
    });
  });
});

test('one JSON log line per decision and API call, with no credentials, session tokens or ResponseURL', async () => {
  newAccount();
  const handler = sourceHandler;
  const logs = captureLogs();
  emulator.inject({ kind: 'competing-write', count: 1 });
  const event = createEvent({ ...A, AssumeRoleArn: ROLE });

  await handler(event, lambdaContext());

  expect(logs.lines.map((l) => [l.message, l.operation ?? l.outcome])).toEqual([
    ['assume role', 'ok'],
    ['api call', 'GetConnectionPreferences'],
    ['api call', 'UpdateConnectionPreferences'],
    ['decision', 'conflict, retry'],
    ['api call', 'GetConnectionPreferences'],
    ['api call', 'UpdateConnectionPreferences'],
    ['decision', 'written'],
  ]);
  for (const line of logs.lines) {
    expect(line).toMatchObject({ requestId: 'lambda-req-1', logicalId: 'Prefs', eventType: 'Create' });
  }
  const partnerCentralLines = logs.lines.filter((l) => l.message !== 'assume role');
  expect(partnerCentralLines).toEqual(partnerCentralLines.map(() => expect.objectContaining({
    attempt: expect.any(Number), revision: expect.any(Number), outcome: expect.any(String),
  })));
  expect(logs.lines.filter((l) => l.message === 'api call').map((l) => [l.attempt, l.revision, l.outcome, l.newRevision])).toEqual([
    [1, 0, 'ok', undefined],
    [1, 0, 'ConflictException', undefined],
    [2, 1, 'ok', undefined],
    [2, 1, 'ok', 2],
  ]);
  expect(logs.lines.find((l) => l.outcome === 'written')).toMatchObject({ attempt: 2, revision: 2 });

  const secrets = [
    process.env.AWS_SECRET_ACCESS_KEY!,
    event.ResponseURL,
    ...emulator.issuedCredentials.flatMap((c) => [c.secretAccessKey, c.sessionToken, c.accessKeyId]),
  ];
  expect(emulator.issuedCredentials).toHaveLength(1);
  for (const secret of secrets) {
    expect(logs.raw.join('\n')).not.toContain(secret);
  }
  emulator.reset();
});

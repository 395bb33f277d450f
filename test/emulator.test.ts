import { fork } from 'child_process';
import * as path from 'path';
import {
  ConflictException,
  GetConnectionPreferencesCommand,
  PartnerCentralAccountClient,
  UpdateConnectionPreferencesCommand,
  ValidationException,
} from '@aws-sdk/client-partnercentral-account';
import { Emulator } from '../emulator/emulator';
import { useEmulator } from './support/emulator-environment';

const { emulator, newAccount } = useEmulator();
const client = () => new PartnerCentralAccountClient({ region: 'us-east-1', maxAttempts: 1 });
const update = (input: Record<string, unknown>) => client().send(new UpdateConnectionPreferencesCommand(input as any));

async function validationErrorOf(input: Record<string, unknown>) {
  const error = await update(input).catch((e) => e);
  expect(error).toBeInstanceOf(ValidationException);
  expect(error.Reason).toBe('REQUEST_VALIDATION_FAILED');
  return error.ErrorDetails.map((d: any) => d.FieldValidationError);
}

describe('requests are validated against the service model', () => {
  let account: string;
  beforeEach(() => {
    account = newAccount();
  });

  test.each([
    ['a catalog outside the pattern', { Catalog: 'AWS_PROD' }, 'Catalog', 'INVALID_STRING_FORMAT'],
    ['a catalog the service does not know', { Catalog: 'Gamma' }, 'Catalog', 'INVALID_VALUE'],
    ['an unknown access type', { AccessType: 'ALLOW_SOME' }, 'AccessType', 'INVALID_ENUM_VALUE'],
    ['a missing revision', { Revision: undefined }, 'Revision', 'REQUIRED_FIELD_MISSING'],
    ['an identifier with a space', { ExcludedParticipantIdentifiers: ['a b'] }, 'ExcludedParticipantIdentifiers[0]', 'INVALID_STRING_FORMAT'],
    ['an identifier of 101 characters', { ExcludedParticipantIdentifiers: ['a'.repeat(101)] }, 'ExcludedParticipantIdentifiers[0]', 'INVALID_STRING_FORMAT'],
    ['101 identifiers', { ExcludedParticipantIdentifiers: Array.from({ length: 101 }, (_, i) => `p-${i}`) }, 'ExcludedParticipantIdentifiers', 'TOO_MANY_VALUES'],
    ['a repeated identifier', { ExcludedParticipantIdentifiers: ['p-1', 'p-1'] }, 'ExcludedParticipantIdentifiers', 'DUPLICATE_VALUE'],
  ])('%s', async (_, change, name, code) => {
    const valid = { Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-1'] };
    expect(await validationErrorOf({ ...valid, ...change })).toEqual([expect.objectContaining({ Name: name, Code: code })]);
    expect(emulator.writes.filter((w) => w.account === account)).toHaveLength(0);
  });

  test('100 unique identifiers of 100 characters are accepted', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `${i}`.padStart(100, 'x'));
    const written = await update({ Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ids });
    expect(written.ExcludedParticipantIds).toEqual(ids);
  });
});

describe('documents', () => {
  test('a new account reads the initial state with an ISO-8601 timestamp and its own ARN', async () => {
    const account = newAccount();
    const raw = await fetch(emulator.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'PartnerCentralAccount.GetConnectionPreferences',
        'content-type': 'application/x-amz-json-1.0',
        'authorization': `AWS4-HMAC-SHA256 Credential=AKIATEST${account}/20261124/us-east-1/partnercentral-account/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify({ Catalog: 'Sandbox' }),
    }).then((r) => r.json());
    expect(raw).toEqual({
      Catalog: 'Sandbox',
      Arn: `arn:aws:partnercentral:us-east-1:${account}:catalog/Sandbox/connection-preferences`,
      AccessType: 'ALLOW_ALL',
      ExcludedParticipantIds: [],
      Revision: 0,
      UpdatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  test('a write with a stale revision is a ConflictException and changes nothing', async () => {
    const account = newAccount();
    await update({ Catalog: 'AWS', Revision: 0, AccessType: 'DENY_ALL' });
    const error = await update({ Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_ALL' }).catch((e) => e);

    expect(error).toBeInstanceOf(ConflictException);
    expect(error.Reason).toBe('INCOMPATIBLE_CONNECTION_PREFERENCES_REVISION');
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(emulator.preferences(account, 'AWS')).toMatchObject({ AccessType: 'DENY_ALL', Revision: 1 });
  });

  test('state is kept per account, taken from the signing access key', async () => {
    const first = newAccount();
    await update({ Catalog: 'AWS', Revision: 0, AccessType: 'DENY_ALL' });
    const second = newAccount();
    const read = await client().send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }));

    expect(read).toMatchObject({ AccessType: 'ALLOW_ALL', Revision: 0 });
    expect(emulator.preferences(first, 'AWS').AccessType).toBe('DENY_ALL');
    expect(emulator.preferences(second, 'AWS').AccessType).toBe('ALLOW_ALL');
  });

  test('an unsigned request is refused', async () => {
    const response = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'PartnerCentralAccount.GetConnectionPreferences' },
      body: '{"Catalog":"AWS"}',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});

describe('faults', () => {
  test('lose-answer: the write lands, the answer is lost, and a retry with the old revision is a ConflictException', async () => {
    const account = newAccount();
    emulator.inject({ kind: 'lose-answer', count: 1, operation: 'UpdateConnectionPreferences' });
    const write = { Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-1'] };

    // The client sees a network error, not a service answer: nothing tells it that the write happened.
    const lost = await update(write).catch((e) => e);
    expect(lost).toBeInstanceOf(Error);
    expect(lost.$metadata?.httpStatusCode).toBeUndefined();
    const read = await client().send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }));
    expect(read).toMatchObject({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['p-1'], Revision: 1 });

    // Unlike after a reset, sending the same write again is stale.
    const retried = await update(write).catch((e) => e);
    expect(retried).toBeInstanceOf(ConflictException);
    expect(emulator.preferences(account, 'AWS').Revision).toBe(1);
  });
});

describe('settings for what AWS does not document', () => {
  const emulators: Emulator[] = [];
  afterAll(() => Promise.all(emulators.map((e) => e.stop())));
  // The clients sign with the access key newAccount puts in the environment; without it they would depend on an earlier test.
  beforeEach(() => {
    newAccount();
  });

  async function start(settings: ConstructorParameters<typeof Emulator>[0]) {
    const local = new Emulator(settings);
    emulators.push(local);
    return { local, client: new PartnerCentralAccountClient({ region: 'us-east-1', endpoint: await local.start(), maxAttempts: 1 }) };
  }
  const clientOf = async (settings: ConstructorParameters<typeof Emulator>[0]) => (await start(settings)).client;
  const exclusionsWithAllowAll = new UpdateConnectionPreferencesCommand({
    Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_ALL', ExcludedParticipantIdentifiers: ['p-1'],
  });

  test('the initial state and revision', async () => {
    const local = await clientOf({ initialRevision: 1, initialPreferences: { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] } });
    expect(await local.send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }))).toMatchObject({ AccessType: 'DENY_ALL', Revision: 1 });
  });

  test('exclusions with ALLOW_ALL accepted, ignored or rejected', async () => {
    expect((await (await clientOf({ exclusionsWithoutDenySome: 'accept' })).send(exclusionsWithAllowAll)).ExcludedParticipantIds).toEqual(['p-1']);
    expect((await (await clientOf({ exclusionsWithoutDenySome: 'ignore' })).send(exclusionsWithAllowAll)).ExcludedParticipantIds).toEqual([]);
    const rejected = await (await clientOf({ exclusionsWithoutDenySome: 'reject' })).send(exclusionsWithAllowAll).catch((e) => e);
    expect(rejected).toBeInstanceOf(ValidationException);
    expect(rejected.ErrorDetails[0].FieldValidationError).toMatchObject({ Name: 'ExcludedParticipantIdentifiers', Code: 'ACTION_NOT_PERMITTED' });
  });

  test.each([
    ['as-written', ['Partner-A', 'p-2']],
    ['lower', ['partner-a', 'p-2']],
    ['upper', ['PARTNER-A', 'P-2']],
  ] as const)('identifiers stored in the letter case %s', async (identifierCase, stored) => {
    const { local, client: pc } = await start({ identifierCase });
    const written = await pc.send(new UpdateConnectionPreferencesCommand({
      Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['Partner-A', 'p-2'],
    }));

    // The answer, a later read and the record of the write all hold what was stored, not what was sent.
    expect(written.ExcludedParticipantIds).toEqual(stored);
    expect((await pc.send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }))).ExcludedParticipantIds).toEqual(stored);
    expect(local.writes.map((w) => w.ExcludedParticipantIds)).toEqual([stored]);
  });
});

test('runs as its own process, with faults and the call record reachable over HTTP', async () => {
  const child = fork(path.join(__dirname, '..', 'emulator', 'main.js'), ['--port', '0'], { silent: true });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /listening on (http:\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    });
    await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ kind: 'throttle', count: 1 }) });
    const remote = new PartnerCentralAccountClient({ region: 'us-east-1', endpoint: url, maxAttempts: 1 });

    await expect(remote.send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }))).rejects.toThrow('Rate exceeded');
    await remote.send(new GetConnectionPreferencesCommand({ Catalog: 'AWS' }));
    const calls = await fetch(`${url}/_emulator/calls`).then((r) => r.json() as Promise<{ status: number }[]>);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  } finally {
    child.kill();
  }
});

test('each emulator has its own settings: changing one leaves the defaults of the next alone', () => {
  const first = new Emulator();
  first.settings.roleExternalIds['arn:aws:iam::111111111111:role/x'] = 'ext';
  first.settings.initialPreferences.ExcludedParticipantIds.push('p-1');
  const second = new Emulator();
  expect(second.settings.roleExternalIds).toEqual({});
  expect(second.settings.initialPreferences.ExcludedParticipantIds).toEqual([]);
});

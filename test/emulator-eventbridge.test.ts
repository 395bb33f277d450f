import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { useEmulator } from './support/emulator-environment';

/** The emulated EventBridge PutEvents, driven by the real SDK: what it accepts, records and refuses as AWS does. */
const { emulator, newAccount } = useEmulator();
const REGION = 'eu-west-1';
const client = () => new EventBridgeClient({ region: REGION, maxAttempts: 1 });
const putEvents = (entries: PutEventsRequestEntry[]) => client().send(new PutEventsCommand({ Entries: entries }));
const GOOD: PutEventsRequestEntry = { Source: 'com.example.partner', DetailType: 'Preferences Changed', Detail: '{"catalog":"AWS"}' };
const eventsOf = (account: string) => emulator.eventBridge.events.filter((e) => e.account === account);

/**
 * An entry of exactly `bytes` as EventBridge counts them (eb-putevent-size.html): 14 for Time, and the UTF-8 bytes of
 * Source, DetailType, Detail and each of Resources. Its Detail is padded with é, two bytes and one character.
 */
function entryOfSize(bytes: number): PutEventsRequestEntry {
  const base = { Source: 'com.example', DetailType: 'Big', Time: new Date(0), Resources: ['arn:aws:s3:::bucket'] };
  const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
  const padding = bytes - (14 + utf8(base.Source) + utf8(base.DetailType) + utf8(base.Resources[0]) + utf8('{"p":""}'));
  return { ...base, Detail: `{"p":"${'é'.repeat(Math.floor(padding / 2))}${'a'.repeat(padding % 2)}"}` };
}

test('an accepted event is recorded with the account and region of the caller, and its id answered', async () => {
  const account = newAccount();
  const answer = await putEvents([{ ...GOOD, Resources: ['arn:aws:partnercentral:us-east-1:1:catalog/AWS'], Time: new Date('2026-01-02T03:04:05.678Z') }]);

  expect(answer.FailedEntryCount).toBe(0);
  expect(answer.Entries).toEqual([{ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  expect(eventsOf(account)).toEqual([{
    id: answer.Entries![0].EventId, account, region: REGION, bus: 'default', source: GOOD.Source, detailType: GOOD.DetailType,
    detail: { catalog: 'AWS' }, resources: ['arn:aws:partnercentral:us-east-1:1:catalog/AWS'], time: '2026-01-02T03:04:05Z',
  }]);
});

test.each([
  ['no bus name', undefined],
  ['the name default', 'default'],
  ['the ARN of the caller\'s own default bus', (account: string) => `arn:aws:events:${REGION}:${account}:event-bus/default`],
])('the default bus is reached by %s', async (_, bus) => {
  const account = newAccount();
  const answer = await putEvents([{ ...GOOD, EventBusName: typeof bus === 'function' ? bus(account) : bus }]);
  expect(answer.FailedEntryCount).toBe(0);
  expect(eventsOf(account)).toHaveLength(1);
});

describe('an entry AWS refuses fails alone, in its place, and is not recorded', () => {
  test.each([
    ['without Source', { Source: undefined }, 'InvalidArgument'],
    ['without DetailType', { DetailType: undefined }, 'InvalidArgument'],
    ['without Detail', { Detail: undefined }, 'InvalidArgument'],
    ['with a Detail that is not JSON', { Detail: '{catalog: AWS}' }, 'MalformedDetail'],
    ['with a Detail that is JSON but not an object', { Detail: '["AWS"]' }, 'MalformedDetail'],
    ['with a source of AWS\'s own', { Source: 'aws.partnercentral' }, 'NotAuthorizedForSourceException'],
    ['on a custom bus', { EventBusName: 'partner-events' }, 'InvalidArgument'],
    ['on the default bus of another account', { EventBusName: `arn:aws:events:${REGION}:999999999999:event-bus/default` }, 'InvalidArgument'],
    ['on the default bus of another region', { EventBusName: 'arn:aws:events:us-east-1:{account}:event-bus/default' }, 'InvalidArgument'],
  ])('%s', async (_, change, errorCode) => {
    const account = newAccount();
    const refused = Object.fromEntries(Object.entries({ ...GOOD, ...change }).map(([k, v]) => [k, typeof v === 'string' ? v.replace('{account}', account) : v]));
    const answer = await putEvents([refused, GOOD]);

    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries).toEqual([{ ErrorCode: errorCode, ErrorMessage: expect.any(String) }, { EventId: expect.any(String) }]);
    expect(eventsOf(account).map((e) => e.id)).toEqual([answer.Entries![1].EventId]);
  });
});

describe('what AWS refuses for the whole request fails it with a ValidationException', () => {
  async function refusal(entries: PutEventsRequestEntry[]) {
    const account = newAccount();
    const error = await putEvents(entries).catch((e) => e);
    expect(eventsOf(account)).toHaveLength(0);
    return error;
  }

  test('10 entries are accepted; 11, or none, are refused', async () => {
    expect((await putEvents(Array(10).fill(GOOD))).FailedEntryCount).toBe(0);
    expect(await refusal(Array(11).fill(GOOD))).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(await refusal([])).toMatchObject({ name: 'ValidationException' });
  });

  test('a request none of whose entries has Source, DetailType and Detail', async () => {
    expect(await refusal([{ Source: 'com.example' }, { DetailType: 'x', Detail: '{}' }])).toMatchObject({ name: 'ValidationException' });
  });

  test('entries of 262,143 bytes together, counted as EventBridge documents, are accepted; of 262,144, refused, naming the size', async () => {
    const account = newAccount();
    const fits = await putEvents([entryOfSize(100_000), entryOfSize(162_143)]);
    expect(fits.FailedEntryCount).toBe(0);
    expect(eventsOf(account)).toHaveLength(2);

    const error = await refusal([entryOfSize(100_000), entryOfSize(162_144)]);
    expect(error).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('262144 bytes') });
  });
});

test('the control route lists the recorded events, and a reset forgets them', async () => {
  const account = newAccount();
  const answer = await putEvents([GOOD]);
  const listed = await fetch(`${emulator.url}/_emulator/events`).then((r) => r.json() as Promise<{ id: string; account: string }[]>);
  expect(listed).toContainEqual(expect.objectContaining({ id: answer.Entries![0].EventId, account, detail: { catalog: 'AWS' } }));

  emulator.reset();
  expect(await fetch(`${emulator.url}/_emulator/events`).then((r) => r.json())).toEqual([]);
});

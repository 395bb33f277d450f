import * as http from 'http';
import { AddressInfo } from 'net';
import { SAFETY_MARGIN_MS } from '../lambda';
import { escapedBytes, ExplainedError, FAILURE_MESSAGE_MAX_BYTES, reported } from '../lambda/failure';
import { ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { CLOUDFORMATION_RESPONSE_MAX_BYTES, LONGEST, Outcome, responseBody, RUNNERS } from './provider-framework';
import { createEvent, updateEvent } from './support/events';
import { useEmulator } from './support/emulator-environment';

// Every failure at its longest, through the source and the shipped bundle (rebuild it with `node bin/bundle.mjs`):
// the reason CloudFormation gets names the cause first, summarises, is one line, and fits its response.
jest.setTimeout(60_000);

const { emulator, newAccount } = useEmulator();
const service = useStubService();
const DENY_SOME: ConnectionPreferencesResourceProperties = { Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-a'] };
const LONG_ROLE = `arn:aws:iam::210987654321:role/${'r'.repeat(512)}`;
/** The end of a message cut to the budget (no character in it needs escaping in a regular expression). */
const CUT = `… cut at ${FAILURE_MESSAGE_MAX_BYTES} bytes; the full message is in the log`;
/** `count` valid identifiers of 100 characters. */
const identifiers = (prefix: string, count = 100) => Array.from({ length: count }, (_, i) => `${prefix}${i}-`.padEnd(100, 'x'));
/** Every property wrong at once, each value being `value`. */
const everyProblem = (value: string): ConnectionPreferencesResourceProperties => ({
  Catalog: value, AccessType: value, RemovalPolicy: value, DriftPolicy: value, AssumeRoleArn: value, ExternalId: value.repeat(10),
  // Malformed, repeated, and as long as the value.
  ExcludedParticipantIdentifiers: Array.from({ length: 150 }, (_, i) => `${i}_${Array.from(value).slice(`${i}_`.length).join('')}`).flatMap((id) => [id, id]),
});

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => {
  jest.restoreAllMocks();
  emulator.clearFaults();
  emulator.settings.roleExternalIds = {};
});

/**
 * Checks a failure as CloudFormation would get it, and returns its message: one line, led by `cause`, within the
 * budget; no stack frames; the framework's body at the longest ids within 4,096 bytes; the full error in the log.
 */
async function expectFailure(outcome: Outcome, cause: RegExp): Promise<string> {
  expect(outcome.error).toBeDefined();
  const { errorMessage, trace } = outcome.error!;
  expect(errorMessage).toMatch(cause);
  expect(errorMessage).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
  expect(trace).toEqual([`Error: ${errorMessage}`]);
  expect(escapedBytes(errorMessage)).toBeLessThanOrEqual(FAILURE_MESSAGE_MAX_BYTES);

  const body = await responseBody(outcome);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CLOUDFORMATION_RESPONSE_MAX_BYTES);
  expect(JSON.parse(body)).toEqual({
    Status: 'FAILED',
    Reason: `${errorMessage}\n\nLogs: /aws/lambda/${LONGEST.functionArn.split(':').pop()}\n`,
    StackId: LONGEST.stackId,
    RequestId: expect.any(String),
    PhysicalResourceId: LONGEST.physicalId,
    LogicalResourceId: LONGEST.logicalId,
  });
  expect(loggedFailure(outcome.logs)).toMatchObject({ stack: expect.stringMatching(/\n\s+at /) });
  return errorMessage;
}

/** The error the handler logged: one line, or the parts of its JSON text. */
function loggedFailure(logs: Record<string, any>[]): Record<string, any> {
  const lines = logs.filter((l) => l.message === 'failure');
  if (lines.length === 1 && lines[0].part === undefined) return lines[0].error;
  expect(lines.map((l) => l.part)).toEqual(lines.map((_l, i) => `${i + 1} of ${lines.length}`));
  expect(lines.every((l) => Buffer.byteLength(JSON.stringify(l)) < 256 * 1024)).toBe(true);
  return JSON.parse(lines.map((l) => l.errorJson).join(''));
}

describe.each(RUNNERS)('failure reasons (%s)', (_, run) => {
  test.each<[string, ConnectionPreferencesResourceProperties, RegExp]>([
    ['150 malformed identifiers of 10,000 characters', { ...DENY_SOME, ExcludedParticipantIdentifiers: Array.from({ length: 150 }, (_i, i) => `${i}_`.padEnd(10_000, 'x')) },
      /^Invalid properties, nothing was changed: excludedParticipantIdentifiers has 150 identifiers; allowed: at most 100; excludedParticipantIdentifiers has malformed identifiers "0_x{30}"… \(10000 characters\), "1_x{30}"… \(10000 characters\), "2_x{30}"… \(10000 characters\) and 147 more; allowed: 1-100 letters/],
    ['120 identifiers of 100 characters, each repeated', { ...DENY_SOME, ExcludedParticipantIdentifiers: identifiers('p', 120).flatMap((id) => [id, id]) },
      /^Invalid properties, nothing was changed: excludedParticipantIdentifiers has 240 identifiers; allowed: at most 100; excludedParticipantIdentifiers repeats "p0-x{97}", "p1-x{97}", "p2-x{97}" and 117 more; each identifier may appear once$/],
    ['every problem at once, each value 10,000 characters', everyProblem('v'.repeat(10_000)),
      /^Invalid properties, nothing was changed: catalog is "v{32}"… \(10000 characters\); allowed: AWS, Sandbox; .* and 147 more; .*externalId must be 2-1224 characters of letters, digits and _\+=,\.@:\/-$/],
    ['every problem at once, each value 128 characters: the longest message, cut', everyProblem('v'.repeat(128)),
      new RegExp(`^Invalid properties, nothing was changed: catalog is "v{128}"; allowed: AWS, Sandbox; .*${CUT}$`)],
    ['every problem at once, in quotes, line breaks and multi-byte characters', everyProblem('"\n→😀'.repeat(2_500)),
      new RegExp(`^Invalid properties, nothing was changed: catalog is "(\\\\"\\\\n→😀){8}"… \\(10000 characters\\); .*${CUT}$`)],
    ['a role ARN of 2,000 characters', { ...DENY_SOME, AssumeRoleArn: `arn:aws:iam::210987654321:role/${'r'.repeat(1969)}` },
      /^Invalid properties, nothing was changed: assumeRoleArn is "arn:aws:iam::210987654321:role\/r"… \(2000 characters\); allowed: an IAM role ARN/],
    ['an external id of 5,000 characters', { ...DENY_SOME, AssumeRoleArn: LONG_ROLE, ExternalId: 'e'.repeat(5_000) },
      /^Invalid properties, nothing was changed: externalId must be 2-1224 characters of letters, digits and _\+=,\.@:\/-$/],
  ])('invalid properties: %s', async (_case, properties, cause) => {
    const account = newAccount();
    await expectFailure(await run(createEvent(properties)), cause);
    expect(emulator.calls.filter((c) => c.account === account)).toEqual([]);
  });

  test('drift with 100 identifiers of 100 characters added and 100 removed', async () => {
    const account = newAccount();
    const declared = { ...DENY_SOME, ExcludedParticipantIdentifiers: identifiers('a'), DriftPolicy: 'fail' };
    const created = await run(createEvent(declared));
    emulator.writeOutside(account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: identifiers('b') });

    const outcome = await run(updateEvent(declared, declared, created.response!.PhysicalResourceId!));

    await expectFailure(outcome, /^The AWS connection preferences were changed outside this stack \(revision 2\): exclusions added: b0-x{97}, b1-x{97}, b2-x{97} and 97 more; exclusions removed: a0-x{97}, a1-x{97}, a2-x{97} and 97 more\. Nothing was written\./);
    expect(outcome.logs.find((l) => l.message === 'drift')?.changes).toEqual({ exclusionsAdded: identifiers('b'), exclusionsRemoved: identifiers('a') });
  });

  test('conflicts until the deadline', async () => {
    newAccount();
    emulator.inject({ kind: 'competing-write', count: 1_000 });
    await expectFailure(await run(createEvent(DENY_SOME), SAFETY_MARGIN_MS + 1_000),
      /^Gave up updating the AWS connection preferences after \d+ attempts in \d+ ms: every write was rejected with ConflictException/);
  });

  test('access denied to a role of 543 characters', async () => {
    newAccount();
    emulator.inject({ kind: 'access-denied', count: 1, operation: 'GetConnectionPreferences' });
    await expectFailure(await run(createEvent({ ...DENY_SOME, AssumeRoleArn: LONG_ROLE })),
      /^Partner Central denied GetConnectionPreferences for the AWS catalog to arn:aws:iam::210987654321:role\/r… \(543 characters\) \(ACCESS_DENIED\): User is not authorized/);
  });

  test('AssumeRole refused for a role of 543 characters, with an external id of 1,224', async () => {
    newAccount();
    emulator.settings.roleExternalIds = { [LONG_ROLE]: 'the-right-one' };
    await expectFailure(await run(createEvent({ ...DENY_SOME, AssumeRoleArn: LONG_ROLE, ExternalId: 'e'.repeat(1224) })),
      /^Could not assume arn:aws:iam::210987654321:role\/r… \(543 characters\) with the given externalId: AccessDenied: User: .{250,300}… \(\d+ characters\)\. The role's trust policy must allow/);
  });

  test('throttling that outlasts the SDK\'s retries', async () => {
    newAccount();
    emulator.inject({ kind: 'throttle', count: 1_000 });
    await expectFailure(await run(createEvent(DENY_SOME)),
      /^Partner Central GetConnectionPreferences for the AWS catalog failed after 3 attempts: ThrottlingException: Rate exceeded$/);
  });

  test('the deadline', async () => {
    newAccount();
    emulator.inject({ kind: 'latency', count: 1, delayMs: 8_000 });
    await expectFailure(await run(createEvent(DENY_SOME), SAFETY_MARGIN_MS + 1_500),
      /^Partner Central GetConnectionPreferences did not finish within the \d+ ms left before the handler's deadline/);
  });

  test('500s with a message of 10,000 characters over many lines', async () => {
    newAccount();
    const message = 'Something broke:\n  at the service\n'.padEnd(10_000, 'z\n');
    const outcome = await service.answering(500, { __type: 'InternalServerException', Message: message }, () => run(createEvent(DENY_SOME)));
    await expectFailure(outcome,
      /^Partner Central GetConnectionPreferences for the AWS catalog failed after 3 attempts: InternalServerException: Something broke: at the service z z .*… \(10000 characters\)$/);
  });

  test('a ValidationException with 200 details of 1,000 characters', async () => {
    newAccount();
    const ErrorDetails = Array.from({ length: 200 }, (_, i) => ({ FieldValidationError: { Name: `Field${i}`, Code: 'INVALID_VALUE', Message: 'm'.repeat(1_000) } }));
    const outcome = await service.answering(400, { __type: 'ValidationException', Message: 'Invalid', Reason: 'REQUEST_VALIDATION_FAILED', ErrorDetails },
      () => run(createEvent(DENY_SOME)));
    await expectFailure(outcome,
      /^Partner Central rejected GetConnectionPreferences for the AWS catalog \(REQUEST_VALIDATION_FAILED\): Field0: INVALID_VALUE \(m+… \(1024 characters\); Field1: .*; Field2: .* and 197 more$/);
    // Too long for one log event: logged in parts, all of it.
    expect(loggedFailure(outcome.logs).cause.errorDetails).toEqual(ErrorDetails);
  });

  test('an unexpected TypeError', async () => {
    newAccount();
    const event: any = createEvent(DENY_SOME);
    delete event.ResourceProperties;
    await expectFailure(await run(event),
      /^The handler failed unexpectedly with TypeError: Cannot read properties of undefined \(reading 'Catalog'\) \(its stack is in the log\)$/);
  });
});

describe('whatever is thrown', () => {
  test('a message over the budget is cut to it, saying so, and the largest body still fits', async () => {
    const error = reported(new ExplainedError('Something failed: ' + '"\n→😀\u0000'.repeat(10_000)));

    expect(error.message).toMatch(/^Something failed: " →😀 " →😀/);
    expect(error.message.endsWith(CUT)).toBe(true);
    expect(escapedBytes(error.message)).toBeLessThanOrEqual(FAILURE_MESSAGE_MAX_BYTES);
    // Cut no earlier than needed: the next character (6 bytes at most, escaped) would not have fitted.
    expect(escapedBytes(error.message)).toBeGreaterThan(FAILURE_MESSAGE_MAX_BYTES - 6);
    const body = await responseBody({ error: { errorType: error.name, errorMessage: error.message, trace: error.stack!.split('\n') } });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CLOUDFORMATION_RESPONSE_MAX_BYTES);
  });

  test.each<[string, unknown, RegExp]>([
    ['an error of many lines', new RangeError('first\nsecond\r\nthird'), /^The handler failed unexpectedly with RangeError: first second third \(its stack is in the log\)$/],
    ['a string', 'just text', /^The handler failed unexpectedly with string: just text/],
    ['undefined', undefined, /^The handler failed unexpectedly with undefined: undefined/],
    ['an object that cannot be a string', Object.create(null), /^The handler failed unexpectedly with object: a value that cannot be written as text/],
  ])('%s becomes one line with no frames', (_case, thrown, message) => {
    const error = reported(thrown);
    expect(error.message).toMatch(message);
    expect(error.stack).toBe(`Error: ${error.message}`);
  });
});

/**
 * A Partner Central endpoint that gives one answer to every call, for what the emulator cannot say: many details,
 * a long message. The real SDK reaches it over HTTP, as it reaches the emulator.
 */
function useStubService() {
  let answer = { status: 200, body: {} as object };
  const server = http.createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answer.body));
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    /** Runs `invoke` with Partner Central pointed at this endpoint, answering `status` and `body`. */
    async answering<T>(status: number, body: object, invoke: () => Promise<T>): Promise<T> {
      answer = { status, body };
      // The emulator's endpoint, if the environment names one for Partner Central alone (else AWS_ENDPOINT_URL does).
      const emulatorUrl = process.env.AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT;
      process.env.AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        return await invoke();
      } finally {
        if (emulatorUrl === undefined) delete process.env.AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT;
        else process.env.AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT = emulatorUrl;
      }
    },
  };
}

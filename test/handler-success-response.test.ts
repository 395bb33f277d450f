import { createHash } from 'crypto';
import { attributesOf } from '../lambda';
import { EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES, type ConnectionPreferencesResourceProperties } from '../lib/resource-properties';
import { CLOUDFORMATION_RESPONSE_MAX_BYTES, LONGEST, Outcome, responseBody, RUNNERS } from './provider-framework';
import { createEvent } from './support/events';
import { useEmulator } from './support/emulator-environment';

// The SUCCESS side of CloudFormation's 4,096-byte response: the list of exclusions is returned only within its
// budget, the count and digest always, and the framework's body at its longest fits.
jest.setTimeout(30_000);

const { newAccount } = useEmulator();

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

/** Unique valid identifiers, of 100 characters but the last, whose comma-separated list takes exactly `bytes` bytes. */
function identifiersTaking(bytes: number): string[] {
  const full = Math.floor(bytes / 101);
  const ids = Array.from({ length: full + 1 }, (_, i) => `q${i}-`.padEnd(100, 'x'));
  ids[full] = ids[full].slice(0, bytes - full * 101);
  return ids;
}

const sha256 = (ids: string[]) => createHash('sha256').update([...ids].sort().join(',')).digest('hex');
const declaring = (ids: string[]): ConnectionPreferencesResourceProperties => ({ Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ids });

/** The SUCCESS body the framework sends for the outcome, checked against the limit and the handler's answer. */
async function expectSuccessBody(outcome: Pick<Outcome, 'response'>): Promise<void> {
  const body = await responseBody(outcome);
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CLOUDFORMATION_RESPONSE_MAX_BYTES);
  expect(JSON.parse(body)).toEqual({
    Status: 'SUCCESS',
    Reason: 'SUCCESS',
    StackId: LONGEST.stackId,
    RequestId: expect.any(String),
    PhysicalResourceId: outcome.response!.PhysicalResourceId,
    LogicalResourceId: LONGEST.logicalId,
    Data: outcome.response!.Data,
  });
}

describe.each(RUNNERS)('SUCCESS responses (%s)', (_, run) => {
  test('100 identifiers of 100 characters: the list is left out, the count and digest are there', async () => {
    newAccount();
    const ids = Array.from({ length: 100 }, (_i, i) => `p${i}-`.padEnd(100, 'x'));

    const outcome = await run(createEvent(declaring(ids)));

    expect(outcome.response!.Data).not.toHaveProperty('ExcludedParticipantIds');
    expect(outcome.response!.Data).toMatchObject({ ExcludedParticipantCount: '100', ExcludedParticipantIdsSha256: sha256(ids) });
    await expectSuccessBody(outcome);
  });

  test.each([
    ['exactly at', EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES, true],
    ['one byte over', EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES + 1, false],
  ])('a list %s its budget', async (_case, bytes, returned) => {
    newAccount();
    const ids = identifiersTaking(bytes);
    expect(ids.join(',').length).toBe(bytes);

    const outcome = await run(createEvent(declaring(ids)));

    expect(outcome.response!.Data?.ExcludedParticipantIds).toBe(returned ? ids.join(',') : undefined);
    expect(outcome.response!.Data).toMatchObject({ ExcludedParticipantCount: String(ids.length), ExcludedParticipantIdsSha256: sha256(ids) });
    await expectSuccessBody(outcome);
  });
});

test('the longest SUCCESS body fits: every attribute at its longest, the list at its budget', async () => {
  // The ARN with the longest partition and region, and a catalog of 64 characters, the model's longest.
  const arn = `arn:aws-iso-b:partnercentral:us-isob-east-1:123456789012:catalog/${'C'.repeat(64)}/connection-preferences`;
  const data = attributesOf({
    arn,
    catalog: 'C'.repeat(64),
    accessType: 'ALLOW_BY_DEFAULT_DENY_SOME',
    excludedParticipantIds: identifiersTaking(EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES),
    // The service's Long at its largest (2^63 - 1), as the nearest JavaScript number: 19 digits.
    revision: 2 ** 63,
    updatedAt: new Date().toISOString(),
  });
  expect(data.ExcludedParticipantIds).toHaveLength(EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES);
  expect(data.Revision).toHaveLength(19);

  await expectSuccessBody({ response: { PhysicalResourceId: arn, Data: data } });
});

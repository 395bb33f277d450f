import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { AccessType, ConnectionPreferences } from '../lib';
import { ConnectionPreferencesResourceAttributes, EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES } from '../lib/resource-properties';

function declare(excludedParticipantIdentifiers?: string[]) {
  const stack = new Stack(new App(), 'Partner');
  const prefs = new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers });
  const logicalId = stack.getLogicalId(prefs.node.findChild('Resource').node.defaultChild as any);
  return { stack, prefs, getAtt: (name: string) => ({ 'Fn::GetAtt': [logicalId, name] }) };
}

/** Identifiers of 100 characters and a shorter last one that, joined with commas, take exactly `bytes` bytes. */
function idsTaking(bytes: number): string[] {
  const full = Array.from({ length: Math.floor(bytes / 101) }, (_, i) => `${i}`.padStart(100, 'x'));
  const rest = bytes - full.length * 101;
  const ids = rest > 0 ? [...full, 'y'.repeat(rest)] : full;
  expect(Buffer.byteLength(ids.join(','))).toBe(bytes);
  return ids;
}

test('every attribute the handler returns is a GetAtt of the custom resource under the contract\'s name', () => {
  const { stack, prefs, getAtt } = declare(['p-1']);
  // Typed by the contract: an attribute added to it without one here is a compile error.
  const attributes: Record<keyof ConnectionPreferencesResourceAttributes, string> = {
    Arn: prefs.attrArn,
    Revision: prefs.attrRevision,
    UpdatedAt: prefs.attrUpdatedAt,
    AccessType: prefs.attrAccessType,
    ExcludedParticipantIds: prefs.attrExcludedParticipantIds,
    ExcludedParticipantCount: prefs.attrExcludedParticipantCount,
    ExcludedParticipantIdsSha256: prefs.attrExcludedParticipantIdsSha256,
  };
  for (const [name, token] of Object.entries(attributes)) {
    expect(stack.resolve(token)).toEqual(getAtt(name));
  }
});

describe('attrExcludedParticipantIds, which the handler returns only within its byte budget', () => {
  test('reads when the declared identifiers take exactly the budget, or there are none', () => {
    expect(EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES).toBe(2048);
    const atBudget = declare(idsTaking(2048));
    expect(atBudget.stack.resolve(atBudget.prefs.attrExcludedParticipantIds)).toEqual(atBudget.getAtt('ExcludedParticipantIds'));
    const none = declare();
    expect(none.stack.resolve(none.prefs.attrExcludedParticipantIds)).toEqual(none.getAtt('ExcludedParticipantIds'));
  });

  test('fails the synth one byte over, saying why and what to read instead', () => {
    const { prefs } = declare(idsTaking(2049));
    expect(() => prefs.attrExcludedParticipantIds).toThrow(new RegExp(
      'Cannot read attrExcludedParticipantIds of the ConnectionPreferences at Partner/Prefs: its 21 excludedParticipantIdentifiers '
      + 'joined with commas take 2,049 bytes, and the attribute has a budget of 2,048 bytes \\(CloudFormation refuses a custom '
      + 'resource response over 4,096 bytes\\).*read attrExcludedParticipantCount and attrExcludedParticipantIdsSha256 instead'));
  });

  test('over the budget, the count and the digest still read, and declaring the list is fine', () => {
    const { stack, prefs, getAtt } = declare(Array.from({ length: 100 }, (_, i) => `${i}`.padStart(100, 'x')));
    expect(stack.resolve(prefs.attrExcludedParticipantCount)).toEqual(getAtt('ExcludedParticipantCount'));
    expect(stack.resolve(prefs.attrExcludedParticipantIdsSha256)).toEqual(getAtt('ExcludedParticipantIdsSha256'));
  });

  describe('with tokens', () => {
    const declareWithTokens = (literal: string[]) => {
      const stack = new Stack(new App(), 'Partner');
      const list = new CfnParameter(stack, 'Excluded', { type: 'CommaDelimitedList' }).valueAsList;
      const one = new CfnParameter(stack, 'One').valueAsString;
      const fromList = new ConnectionPreferences(stack, 'FromList', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: list });
      const mixed = new ConnectionPreferences(stack, 'Mixed', {
        accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: [...literal, one], assumeRoleArn: 'arn:aws:iam::444455556666:role/pc',
      });
      return { stack, fromList, mixed };
    };

    test('synth cannot know the length: the attribute reads, and it is the deploy that fails if the list is too long', () => {
      // 2,046 literal bytes, a comma and a token of at least one byte: possibly within the budget.
      const { stack, fromList, mixed } = declareWithTokens(idsTaking(2046));
      expect(stack.resolve(fromList.attrExcludedParticipantIds)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FromList/), 'ExcludedParticipantIds'] });
      expect(stack.resolve(mixed.attrExcludedParticipantIds)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Mixed/), 'ExcludedParticipantIds'] });
    });

    test('literal identifiers already over the budget fail the synth all the same', () => {
      const { mixed } = declareWithTokens(idsTaking(2047));
      expect(() => mixed.attrExcludedParticipantIds).toThrow(/Partner\/Mixed: its 22 excludedParticipantIdentifiers joined with commas take at least 2,049 bytes/);
    });
  });
});

import { readFileSync } from 'fs';
import * as path from 'path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { SmithyModel } from '../emulator/smithy-model';
import { DriftPolicy } from '../lib/connection-preferences';
import {
  ACCESS_TYPES, CATALOGS, DRIFT_POLICIES, MAX_EXCLUDED_PARTICIPANTS, PARTICIPANT_IDENTIFIER_MAX_LENGTH, PARTICIPANT_IDENTIFIER_PATTERN, preferenceProblems,
  REMOVAL_POLICIES, VALUES_AS_WRITTEN_IN_CODE,
} from '../lib/preference-rules';

// The construct and the handler cannot load the service model (it does not ship); these tests keep their
// copy of its limits equal to the model the emulator validates with.
const model = SmithyModel.load();
const shapes = JSON.parse(readFileSync(path.join(__dirname, '..', 'emulator', 'model', 'partnercentral-account-2025-04-04.json'), 'utf8')).shapes;
const NS = 'com.amazonaws.partnercentralaccount#';

test('access types are the model\'s enum', () => {
  expect(ACCESS_TYPES).toEqual(Object.values(shapes[`${NS}AccessType`].members).map((m: any) => m.traits['smithy.api#enumValue']));
});

test('identifier pattern, length and count are the model\'s', () => {
  expect(PARTICIPANT_IDENTIFIER_PATTERN).toBe(shapes[`${NS}ParticipantIdentifier`].traits['smithy.api#pattern']);
  expect(PARTICIPANT_IDENTIFIER_MAX_LENGTH).toBe(shapes[`${NS}ParticipantIdentifier`].traits['smithy.api#length'].max);
  const listMember = shapes[`${NS}UpdateConnectionPreferencesRequest`].members.ExcludedParticipantIdentifiers;
  expect(MAX_EXCLUDED_PARTICIPANTS).toBe(listMember.traits['smithy.api#length'].max);
});

test('catalogs match the model\'s pattern', () => {
  for (const catalog of CATALOGS) expect(model.validate(`${NS}Catalog`, catalog)).toEqual([]);
});

test.each([
  ['p-1'], ['pprofile-abc'], ['123456789012'], ['a'.repeat(100)], ['a'.repeat(101)], [''], ['p_1'], ['p 1'], ['ü'], [' p'], ['p\n'],
])('identifier %j: the rules and the model agree', (id) => {
  const modelAccepts = model.validate(`${NS}ParticipantIdentifier`, id).length === 0;
  const rulesAccept = preferenceProblems({ catalog: 'AWS', accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excludedParticipantIdentifiers: [id] }).length === 0;
  expect(rulesAccept).toBe(modelAccepts);
});

test('lists: the rules and the model agree on 100, 101 and repeats', () => {
  const cases = [Array.from({ length: 100 }, (_, i) => `p-${i}`), Array.from({ length: 101 }, (_, i) => `p-${i}`), ['p-1', 'p-1']];
  for (const ids of cases) {
    const request = { Catalog: 'AWS', Revision: 0, AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ids };
    const modelAccepts = model.validate(model.inputShape('UpdateConnectionPreferences')!, request).length === 0;
    const rulesAccept = preferenceProblems({ catalog: 'AWS', accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excludedParticipantIdentifiers: ids }).length === 0;
    expect([ids.length, rulesAccept]).toEqual([ids.length, modelAccepts]);
  }
});

describe('values are named as the reader wrote them: in CDK code at synth, as the template holds them at deploy', () => {
  const valid = { catalog: 'AWS', accessType: 'ALLOW_ALL' };

  test.each([
    ['a removal policy', { removalPolicy: RemovalPolicy.SNAPSHOT },
      'removalPolicy is RemovalPolicy.SNAPSHOT; allowed: RemovalPolicy.RETAIN, RemovalPolicy.DESTROY',
      'removalPolicy is "snapshot"; allowed: retain, destroy'],
    ['a removal policy that is no RemovalPolicy', { removalPolicy: 'keep' },
      'removalPolicy is "keep"; allowed: RemovalPolicy.RETAIN, RemovalPolicy.DESTROY',
      'removalPolicy is "keep"; allowed: retain, destroy'],
    ['a value that is a property of every object', { removalPolicy: 'constructor' },
      'removalPolicy is "constructor"; allowed: RemovalPolicy.RETAIN, RemovalPolicy.DESTROY',
      'removalPolicy is "constructor"; allowed: retain, destroy'],
    ['a drift policy', { driftPolicy: 'OVERWRITE' },
      'driftPolicy is "OVERWRITE"; allowed: DriftPolicy.OVERWRITE, DriftPolicy.FAIL',
      'driftPolicy is "OVERWRITE"; allowed: overwrite, fail'],
    ['an access type, whose values are its members\' names', { accessType: 'ALLOW_SOME' },
      'accessType is "ALLOW_SOME"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME',
      'accessType is "ALLOW_SOME"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME'],
  ])('%s', (_, values, inCode, inTemplate) => {
    expect(preferenceProblems({ ...valid, ...values }, undefined, 'code')).toEqual([inCode]);
    expect(preferenceProblems({ ...valid, ...values })).toEqual([inTemplate]);
  });

  test('each name in code is the enum member whose value it names, and every allowed value has one', () => {
    const enums: Record<string, Record<string, string>> = { RemovalPolicy, DriftPolicy };
    const wrong = Object.values(VALUES_AS_WRITTEN_IN_CODE).flatMap((names) => Object.entries(names))
      .filter(([value, code]) => enums[code.split('.')[0]]?.[code.split('.')[1]] !== value);
    expect(wrong).toEqual([]);
    expect(Object.keys(VALUES_AS_WRITTEN_IN_CODE.removalPolicy)).toEqual(expect.arrayContaining(REMOVAL_POLICIES));
    expect(Object.keys(VALUES_AS_WRITTEN_IN_CODE.driftPolicy)).toEqual(expect.arrayContaining(DRIFT_POLICIES));
  });

  test('every RemovalPolicy of aws-cdk-lib has its name, so a disallowed one is named as written too', () => {
    expect(Object.keys(VALUES_AS_WRITTEN_IN_CODE.removalPolicy).sort()).toEqual(Object.values(RemovalPolicy).sort());
  });
});

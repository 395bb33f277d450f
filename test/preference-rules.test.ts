import { readFileSync } from 'fs';
import * as path from 'path';
import { SmithyModel } from '../emulator/smithy-model';
import {
  ACCESS_TYPES, CATALOGS, MAX_EXCLUDED_PARTICIPANTS, PARTICIPANT_IDENTIFIER_MAX_LENGTH, PARTICIPANT_IDENTIFIER_PATTERN, preferenceProblems,
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

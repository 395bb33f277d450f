/**
 * What valid connection preferences are, checked at synth by the construct and again at deploy by the handler
 * (which sees hand-edited templates, resolved tokens and older versions' properties). One set of rules for both,
 * with no aws-cdk-lib import, so the handler bundle stays small. Messages summarise long lists and shorten long
 * values (./summary): at deploy they become the failure reason, which must fit in CloudFormation's response.
 *
 * The limits are the service model's (partnercentral-account 2025-04-04); test/preference-rules.test.ts checks
 * them against the model the emulator loads.
 */

import { quote, shorten, summarise } from './summary';

export const ACCESS_TYPES = ['ALLOW_ALL', 'DENY_ALL', 'ALLOW_BY_DEFAULT_DENY_SOME'];
export const CATALOGS = ['AWS', 'Sandbox'];
export const PARTICIPANT_IDENTIFIER_PATTERN = '^[a-zA-Z0-9-]+$';
export const PARTICIPANT_IDENTIFIER_MAX_LENGTH = 100;
export const MAX_EXCLUDED_PARTICIPANTS = 100;
/** The access type that exclusions apply to; with the others they mean nothing. */
export const ACCESS_TYPE_WITH_EXCLUSIONS = 'ALLOW_BY_DEFAULT_DENY_SOME';

export const REMOVAL_POLICIES = ['retain', 'destroy'];
export const DRIFT_POLICIES = ['overwrite', 'fail'];
/** IAM role ARN, in any partition. */
export const ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::(\\d{12}):role/[\\w+=,.@/-]{1,512}$';
/** STS AssumeRole ExternalId: 2-1224 characters of `[\w+=,.@:/-]`. */
export const EXTERNAL_ID_PATTERN = '^[\\w+=,.@:/-]{2,1224}$';

/**
 * How CDK code writes the values of the properties whose template value is not the name of their enum member
 * (`RemovalPolicy.RETAIN` is `'retain'` in the template). Every member of the enum is here, not only the allowed
 * ones, so that a message can name a disallowed value as the user wrote it too.
 */
export const VALUES_AS_WRITTEN_IN_CODE: Record<string, Record<string, string>> = {
  removalPolicy: {
    'retain': 'RemovalPolicy.RETAIN',
    'destroy': 'RemovalPolicy.DESTROY',
    'snapshot': 'RemovalPolicy.SNAPSHOT',
    'retain-on-update-or-delete': 'RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE',
  },
  driftPolicy: { overwrite: 'DriftPolicy.OVERWRITE', fail: 'DriftPolicy.FAIL' },
};

/**
 * Whom a message speaks to: `template` names values as the template holds them (`retain`), for the handler, which
 * reads the template; `code` names them as CDK code writes them (`RemovalPolicy.RETAIN`), for the construct at synth.
 */
export type ValueNames = 'template' | 'code';

/** The values to check; any of them may be of the wrong type when they come from a template. */
export interface PreferencesToCheck {
  readonly catalog?: unknown;
  readonly accessType?: unknown;
  readonly excludedParticipantIdentifiers?: unknown;
  readonly removalPolicy?: unknown;
  readonly driftPolicy?: unknown;
  readonly assumeRoleArn?: unknown;
  readonly externalId?: unknown;
}

/**
 * Every way the values break the rules, each saying what is wrong and what is allowed, with values named as `names`
 * says. Values for which `isUnresolved` is true (CDK tokens at synth) are skipped: the handler checks them once they
 * have resolved.
 */
export function preferenceProblems(values: PreferencesToCheck, isUnresolved: (value: unknown) => boolean = () => false, names: ValueNames = 'template'): string[] {
  const problems: string[] = [];
  const known = (value: unknown) => value !== undefined && !isUnresolved(value);
  const inCode = (name: string, value: unknown) => {
    const written = VALUES_AS_WRITTEN_IN_CODE[name];
    return names === 'code' && typeof value === 'string' && written && Object.hasOwn(written, value) ? written[value] : undefined;
  };
  const oneOf = (name: string, value: unknown, allowed: string[]) => {
    if (known(value) && !allowed.includes(value as string)) {
      problems.push(`${name} is ${inCode(name, value) ?? quote(value)}; allowed: ${allowed.map((a) => inCode(name, a) ?? a).join(', ')}`);
    }
  };

  if (values.catalog === undefined) problems.push(`catalog is missing; allowed: ${CATALOGS.join(', ')}`);
  if (values.accessType === undefined) problems.push(`accessType is missing; allowed: ${ACCESS_TYPES.join(', ')}`);
  oneOf('catalog', values.catalog, CATALOGS);
  oneOf('accessType', values.accessType, ACCESS_TYPES);
  oneOf('removalPolicy', values.removalPolicy, REMOVAL_POLICIES);
  oneOf('driftPolicy', values.driftPolicy, DRIFT_POLICIES);

  const ids = values.excludedParticipantIdentifiers;
  if (known(ids)) {
    if (!Array.isArray(ids)) {
      problems.push(`excludedParticipantIdentifiers is ${quote(ids)}; allowed: a list of identifiers`);
    } else {
      problems.push(...identifierProblems(ids.filter((id) => !isUnresolved(id))));
      const applies = !known(values.accessType) || values.accessType === ACCESS_TYPE_WITH_EXCLUSIONS;
      if (ids.length > 0 && !applies) {
        problems.push(`excludedParticipantIdentifiers are given with accessType ${shorten(String(values.accessType))}, but they only apply to `
          + `${ACCESS_TYPE_WITH_EXCLUSIONS}; remove them or use that access type`);
      }
    }
  }

  if (known(values.assumeRoleArn) && !new RegExp(ROLE_ARN_PATTERN).test(String(values.assumeRoleArn))) {
    problems.push(`assumeRoleArn is ${quote(values.assumeRoleArn)}; allowed: an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>`);
  }
  if (known(values.externalId) && !new RegExp(EXTERNAL_ID_PATTERN).test(String(values.externalId))) {
    problems.push('externalId must be 2-1224 characters of letters, digits and _+=,.@:/-');
  }
  if (values.externalId !== undefined && values.assumeRoleArn === undefined) {
    problems.push('externalId is given without assumeRoleArn; it is only sent when assuming a role');
  }
  return problems;
}

function identifierProblems(ids: unknown[]): string[] {
  const problems: string[] = [];
  if (ids.length > MAX_EXCLUDED_PARTICIPANTS) {
    problems.push(`excludedParticipantIdentifiers has ${ids.length} identifiers; allowed: at most ${MAX_EXCLUDED_PARTICIPANTS}`);
  }
  const pattern = new RegExp(PARTICIPANT_IDENTIFIER_PATTERN);
  const malformed = [...new Set(ids.filter((id) => typeof id !== 'string' || id.length > PARTICIPANT_IDENTIFIER_MAX_LENGTH || !pattern.test(id)))];
  if (malformed.length > 0) {
    problems.push(`excludedParticipantIdentifiers has malformed identifiers ${summarise(malformed.map(quote))}; `
      + `allowed: 1-${PARTICIPANT_IDENTIFIER_MAX_LENGTH} letters, digits and hyphens (a partner profile id or a 12-digit account id)`);
  }
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (repeated.length > 0) {
    problems.push(`excludedParticipantIdentifiers repeats ${summarise(repeated.map(quote))}; each identifier may appear once`);
  }
  return problems;
}

/** The 12-digit account of a role ARN, or undefined when it is not a literal role ARN. */
export function accountOfRoleArn(roleArn: string): string | undefined {
  return new RegExp(ROLE_ARN_PATTERN).exec(roleArn)?.[1];
}

import { Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Catalog } from './connection-preferences';
import {
  GET_CONNECTION_PREFERENCES,
  MANAGE_CONNECTION_PREFERENCES,
  PARTNER_CENTRAL_RESOURCE_STAR,
  partnerCentralStatement,
} from './connection-preferences-provider';
import { CATALOGS, EXTERNAL_ID_PATTERN } from './preference-rules';
import { quote, summarise } from './summary';

/** Properties of a {@link ConnectionPreferencesAccessRole}. */
export interface ConnectionPreferencesAccessRoleProps {
  /** The 12-digit account of the central stack whose roles may assume this role. */
  readonly centralAccount: string;

  /**
   * The roles of `centralAccount` that may assume this role: IAM role ARNs, or `ArnLike` patterns of them, matched
   * against `aws:PrincipalArn`. A central stack's handler and monitor have roles that CloudFormation names
   * `<stack name>-<logical id>-<suffix>`, so `arn:aws:iam::<centralAccount>:role/<central stack name>-*` covers both,
   * and can be written before the central stack exists. At least one; each in `centralAccount`.
   *
   * There is no default on purpose: without this list the role would trust every principal that `centralAccount`
   * allows to call sts:AssumeRole on it, which is the central account's decision, not this account's.
   */
  readonly trustedPrincipalArns: string[];

  /**
   * The external id that callers must pass (a `sts:ExternalId` condition): the central stack's `externalId`.
   * 2-1224 characters of letters, digits and `_+=,.@:/-`.
   *
   * @default - no external id is required
   */
  readonly externalId?: string;

  /**
   * The catalogs whose connection preferences the role may read and, unless `readOnly`, update.
   *
   * @default [Catalog.AWS]
   */
  readonly catalogs?: Catalog[];

  /**
   * The role's name. The central stack builds the role's ARN from it (see `roleArnOf`), so every partner account
   * should use the same one.
   *
   * @default ConnectionPreferencesAccessRole.DEFAULT_ROLE_NAME
   */
  readonly roleName?: string;

  /**
   * Allow only partnercentral:GetConnectionPreferences: enough for `connection-preferences plan` and a monitor in
   * REPORT mode, not for a ConnectionPreferences (whose Create and Update write) nor a RECONCILE monitor.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/** What a trusted principal may be: a role of the central account, by ARN or ArnLike pattern (`*`, `?`). */
const TRUSTED_ROLE_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/*?-]{1,512}$/;
const ACCOUNT_PATTERN = /^\d{12}$/;
const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/**
 * The role that a central stack assumes to manage the connection preferences of this partner account (through
 * `assumeRoleArn`). Its trust policy allows the roles `trustedPrincipalArns` of `centralAccount`, with the external
 * id when one is given; its one statement is the Partner Central statement that the central handler's own role gets,
 * for `catalogs`.
 *
 * It has no assets and needs no bootstrapped account: its stack's template can be a StackSet's template.
 */
export class ConnectionPreferencesAccessRole extends Construct {
  /** The role name that the role gets unless `roleName` says otherwise. */
  static readonly DEFAULT_ROLE_NAME = 'PartnerCentralConnectionPreferences';

  /**
   * The ARN of the access role in a partner account: the `assumeRoleArn` of a ConnectionPreferences that manages it.
   * In the `aws` partition, the only one that has Partner Central.
   *
   * @param account the partner account's 12-digit id
   * @param roleName the role's name, when the role was given one other than DEFAULT_ROLE_NAME
   */
  static roleArnOf(account: string, roleName?: string): string {
    const name = roleName ?? ConnectionPreferencesAccessRole.DEFAULT_ROLE_NAME;
    const problems = [...accountProblems('account', account), ...roleNameProblems(name)];
    if (problems.length > 0) throw new Error(`Cannot build the ARN of a ConnectionPreferencesAccessRole: ${problems.join('; ')}`);
    return `arn:aws:iam::${account}:role/${name}`;
  }

  /** The role. */
  readonly role: iam.Role;
  /** The role's ARN. */
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ConnectionPreferencesAccessRoleProps) {
    super(scope, id);
    const roleName = props.roleName ?? ConnectionPreferencesAccessRole.DEFAULT_ROLE_NAME;
    // Sorted and without repeats, like the handler's own statement: the order means nothing to IAM.
    const catalogs = [...new Set<string>(props.catalogs ?? [Catalog.AWS])].sort();
    this.validate(props, roleName, catalogs);

    // The account, narrowed by aws:PrincipalArn, rather than the roles themselves as principals: IAM refuses a
    // trust policy that names a role that does not exist yet, and a StackSet deploys this before the central stack.
    const conditions: Record<string, Record<string, unknown>> = { ArnLike: { 'aws:PrincipalArn': props.trustedPrincipalArns } };
    if (props.externalId !== undefined) conditions.StringEquals = { 'sts:ExternalId': props.externalId };
    const actions = props.readOnly ? [GET_CONNECTION_PREFERENCES] : MANAGE_CONNECTION_PREFERENCES;

    // 'Default' keeps the logical id of a hand-written iam.Role with this construct's id: an existing named role
    // moved into this construct is updated in place, not replaced (a replacement would collide on its name).
    this.role = new iam.Role(this, 'Default', {
      roleName,
      description: `Lets roles of account ${props.centralAccount} ${props.readOnly ? 'read' : 'manage'} Partner Central connection preferences`,
      assumedBy: new iam.AccountPrincipal(props.centralAccount).withConditions(conditions),
      inlinePolicies: { ConnectionPreferences: new iam.PolicyDocument({ statements: [partnerCentralStatement(actions, catalogs)] }) },
    });
    Validations.of(this.role).acknowledge(PARTNER_CENTRAL_RESOURCE_STAR);
    this.roleArn = this.role.roleArn;
  }

  private validate(props: ConnectionPreferencesAccessRoleProps, roleName: string, catalogs: string[]): void {
    const problems = [...accountProblems('centralAccount', props.centralAccount), ...roleNameProblems(roleName)];
    problems.push(...trustedPrincipalProblems(props.trustedPrincipalArns, props.centralAccount));
    if (props.externalId !== undefined && !Token.isUnresolved(props.externalId) && !new RegExp(EXTERNAL_ID_PATTERN).test(props.externalId)) {
      problems.push('externalId must be 2-1224 characters of letters, digits and _+=,.@:/-');
    }
    if (!Token.isUnresolved(props.catalogs)) {
      if (catalogs.length === 0) problems.push(`catalogs is empty; allowed: one or more of ${CATALOGS.join(', ')}`);
      const unknown = catalogs.filter((c) => !Token.isUnresolved(c) && !CATALOGS.includes(c));
      if (unknown.length > 0) problems.push(`catalogs has ${summarise(unknown.map(quote))}; allowed: ${CATALOGS.join(', ')}`);
    }
    if (problems.length > 0) {
      throw new Error(`Invalid ConnectionPreferencesAccessRole at ${this.node.path}: ${problems.join('; ')}`);
    }
  }
}

function accountProblems(name: string, account: string): string[] {
  if (Token.isUnresolved(account) || ACCOUNT_PATTERN.test(account)) return [];
  return [`${name} is ${quote(account)}; allowed: a 12-digit AWS account id`];
}

function roleNameProblems(roleName: string): string[] {
  if (Token.isUnresolved(roleName) || ROLE_NAME_PATTERN.test(roleName)) return [];
  return [`roleName is ${quote(roleName)}; allowed: 1-64 characters of letters, digits and _+=,.@-`];
}

function trustedPrincipalProblems(arns: string[], centralAccount: string): string[] {
  if (Token.isUnresolved(arns)) return [];
  const allowed = `allowed: role ARNs or ArnLike patterns in the central account, arn:aws:iam::${centralAccount}:role/<name, * and ? match any characters>`;
  if (arns.length === 0) return [`trustedPrincipalArns is empty; ${allowed}`];
  const literal = arns.filter((arn) => !Token.isUnresolved(arn));
  const malformed = literal.filter((arn) => !TRUSTED_ROLE_PATTERN.test(arn));
  const problems = malformed.length > 0 ? [`trustedPrincipalArns has ${summarise(malformed.map(quote))}; ${allowed}`] : [];
  // An invalid centralAccount has its own message; every ARN would be "outside" it.
  if (ACCOUNT_PATTERN.test(centralAccount)) {
    const elsewhere = literal.filter((arn) => !malformed.includes(arn) && TRUSTED_ROLE_PATTERN.exec(arn)![1] !== centralAccount);
    if (elsewhere.length > 0) {
      problems.push(`trustedPrincipalArns has ${summarise(elsewhere.map(quote))}, outside centralAccount ${centralAccount}; ${allowed}`);
    }
  }
  return problems;
}

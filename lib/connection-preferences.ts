import { Annotations, CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { ConnectionPreferencesProvider, DEFAULT_TIMEOUT, MANAGE_CONNECTION_PREFERENCES, partnerCentralStatement } from './connection-preferences-provider';
import { recordDeclaration } from './declared-resources';
import { HandlerConfiguration } from './handler-configuration';
import { ACCESS_TYPE_WITH_EXCLUSIONS, accountOfRoleArn, preferenceProblems } from './preference-rules';
import {
  ConnectionPreferencesResourceAttributes,
  ConnectionPreferencesResourceProperties,
  EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES,
  RESOURCE_TYPE,
} from './resource-properties';

/** Who may send the partner account connection requests. Values are the API's own strings. */
export enum AccessType {
  /** Any participant may send connection requests. */
  ALLOW_ALL = 'ALLOW_ALL',
  /** No participant may send connection requests. */
  DENY_ALL = 'DENY_ALL',
  /** Any participant may send connection requests, except those in `excludedParticipantIdentifiers`. */
  ALLOW_BY_DEFAULT_DENY_SOME = 'ALLOW_BY_DEFAULT_DENY_SOME',
}

/** The Partner Central catalog whose preferences are managed. Values are the API's own strings. */
export enum Catalog {
  /** The production catalog. */
  AWS = 'AWS',
  /** The testing catalog. */
  SANDBOX = 'Sandbox',
}

/** What an Update does when the live preferences were changed outside the stack since the last deploy. */
export enum DriftPolicy {
  /** Write the declared preferences anyway, and log what was overwritten. */
  OVERWRITE = 'overwrite',
  /** Fail the deploy without writing, naming the difference, so that someone decides to adopt or overwrite it. */
  FAIL = 'fail',
}

/** Properties of a {@link ConnectionPreferences}. */
export interface ConnectionPreferencesProps {
  /** Who may send the account connection requests. */
  readonly accessType: AccessType;

  /**
   * The catalog whose preferences are managed.
   *
   * @default Catalog.AWS
   */
  readonly catalog?: Catalog;

  /**
   * Participants that may not send connection requests: partner profile ids or 12-digit AWS account ids,
   * at most 100, each 1-100 characters of letters, digits and hyphens. The order does not matter.
   *
   * @default - no participant is excluded
   */
  readonly excludedParticipantIdentifiers?: string[];

  /**
   * What removing the resource (or the stack) does: `RemovalPolicy.RETAIN` leaves the preferences as they are and
   * makes no call; `RemovalPolicy.DESTROY` resets them to ALLOW_ALL with no exclusions. No other value is allowed.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * What an Update does when the preferences were changed outside the stack since the last deploy (the console,
   * another tool). Create always adopts what it finds.
   *
   * @default DriftPolicy.OVERWRITE
   */
  readonly driftPolicy?: DriftPolicy;

  /**
   * A role in another account for the handler to assume, to manage that account's preferences. Its trust policy
   * must allow the handler's role, and its permissions must allow partnercentral:GetConnectionPreferences and
   * partnercentral:UpdateConnectionPreferences for the catalog. The handler's role may assume exactly the roles
   * declared in its stack.
   *
   * @default - the account the stack is deployed to, with the handler's own role
   */
  readonly assumeRoleArn?: string;

  /**
   * The external id that the role's trust policy requires.
   *
   * @default - none
   */
  readonly externalId?: string;

  /**
   * How long one Create, Update or Delete may take before it fails with a reason; its waits end 10 s before.
   * One function serves the stack: it gets the longest timeout of the stack's ConnectionPreferences. CloudFormation
   * stops waiting for an answer 90 seconds after that function timeout (the custom resource's ServiceTimeout), not
   * after its default hour. Between 30 seconds and 14 minutes.
   *
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;

  /**
   * How the stack's handler function is built, where it runs and how it logs (runtime, VPC, memory, log group, keys,
   * role). One function serves every ConnectionPreferences of a stack, and the first of them builds it: a later one
   * may give the same settings or none, and giving a different value, or one that the first did not give, fails the
   * synth. Give the configuration on the first ConnectionPreferences of the stack (or the same on all of them).
   *
   * @default - the latest Node.js runtime, 256 MB, no VPC, logs kept a year and retained, a role the construct creates
   */
  readonly handlerConfiguration?: HandlerConfiguration;
}

/** Every ConnectionPreferences of an app, to find two that manage the same preferences. */
const declaredInApp = new WeakMap<IConstruct, ConnectionPreferences[]>();
const MIN_TIMEOUT = Duration.seconds(30);
const MAX_TIMEOUT = Duration.minutes(14);

/**
 * The connection preferences of one Partner Central account and catalog: the account the stack deploys to, or the
 * account of `assumeRoleArn`.
 *
 * Create and Update read the live preferences and, when they differ from these, write these with the live
 * revision, retrying on revision conflicts. Delete follows `removalPolicy`.
 */
export class ConnectionPreferences extends Construct {
  /**
   * The IAM statement that lets a principal manage the connection preferences of these catalogs: what the role
   * named by `assumeRoleArn` needs in the partner account, and what the handler's own role gets.
   */
  static policyStatement(catalogs: Catalog[]): iam.PolicyStatement {
    return partnerCentralStatement(MANAGE_CONNECTION_PREFERENCES, catalogs);
  }

  /** The ARN of the connection preferences, which names the account and catalog. */
  readonly attrArn: string;
  /** The revision after the last deploy, as a string. */
  readonly attrRevision: string;
  /** When the preferences last changed (ISO-8601), as the service reports it. */
  readonly attrUpdatedAt: string;
  /** The access type after the last deploy. */
  readonly attrAccessType: string;
  /** How many participants are excluded after the last deploy, in decimal. Always present, however long the list. */
  readonly attrExcludedParticipantCount: string;
  /**
   * The SHA-256, in hex, of the excluded identifiers after the last deploy, sorted and joined with commas (of the
   * empty string when there are none). Always present, however long the list: compare it with the digest of the list
   * you expect.
   */
  readonly attrExcludedParticipantIdsSha256: string;

  /** The catalog whose preferences this manages. */
  readonly catalog: string;
  private readonly assumeRoleArn?: string;
  private readonly excludedParticipantIdentifiers: string[];
  private readonly excludedParticipantIdsAttribute: string;

  constructor(scope: Construct, id: string, props: ConnectionPreferencesProps) {
    super(scope, id);
    this.catalog = props.catalog ?? Catalog.AWS;
    this.assumeRoleArn = props.assumeRoleArn;
    const exclusions = props.excludedParticipantIdentifiers ?? [];
    this.excludedParticipantIdentifiers = exclusions;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const driftPolicy = props.driftPolicy ?? DriftPolicy.OVERWRITE;
    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    this.validate(props, { removalPolicy, driftPolicy, timeout });

    const provider = ConnectionPreferencesProvider.of(this, props.handlerConfiguration);
    provider.allowTimeout(timeout);

    const properties: ConnectionPreferencesResourceProperties = {
      Catalog: this.catalog,
      AccessType: props.accessType,
      ...(exclusions.length > 0 && { ExcludedParticipantIdentifiers: exclusions }),
      RemovalPolicy: removalPolicy,
      DriftPolicy: driftPolicy,
      ...(props.assumeRoleArn !== undefined && { AssumeRoleArn: props.assumeRoleArn }),
      ...(props.externalId !== undefined && { ExternalId: props.externalId }),
    };
    const resource = new CustomResource(this, 'Resource', {
      resourceType: RESOURCE_TYPE,
      serviceToken: provider.serviceToken,
      serviceTimeout: provider.serviceTimeout,
      properties,
    });
    provider.dependOnLogGroup(resource);
    recordDeclaration({ construct: this, properties });
    provider.permit(resource, { catalog: this.catalog, assumeRoleArn: props.assumeRoleArn }, {
      neededOnDelete: removalPolicy === RemovalPolicy.DESTROY,
    });

    const attribute = (name: keyof ConnectionPreferencesResourceAttributes) => resource.getAttString(name);
    this.attrArn = attribute('Arn');
    this.attrRevision = attribute('Revision');
    this.attrUpdatedAt = attribute('UpdatedAt');
    this.attrAccessType = attribute('AccessType');
    this.excludedParticipantIdsAttribute = attribute('ExcludedParticipantIds');
    this.attrExcludedParticipantCount = attribute('ExcludedParticipantCount');
    this.attrExcludedParticipantIdsSha256 = attribute('ExcludedParticipantIdsSha256');

    const declared = declaredInApp.get(this.node.root) ?? [];
    declared.push(this);
    declaredInApp.set(this.node.root, declared);
    this.node.addValidation({ validate: () => this.duplicateProblems(declared) });
  }

  /**
   * The excluded participant identifiers after the last deploy, comma-separated in the order the service returns
   * them (empty when there are none).
   *
   * The handler returns them only while they take at most 2,048 bytes, so that its whole response stays under
   * CloudFormation's 4,096-byte limit for a custom resource response. Reading this attribute fails the synth when
   * the declared identifiers, joined with commas, take more. When the list or some identifiers are tokens, synth can
   * only tell when the literal ones alone take more: if the resolved list turns out longer, the attribute is absent
   * from the response, and a stack that reads it (Fn::GetAtt) fails to deploy. For a list that may be long, read
   * `attrExcludedParticipantCount` and `attrExcludedParticipantIdsSha256` instead.
   */
  get attrExcludedParticipantIds(): string {
    const ids = this.excludedParticipantIdentifiers;
    if (Token.isUnresolved(ids)) return this.excludedParticipantIdsAttribute;
    // An identifier that is a token takes at least one byte: the literal ones may be too long already.
    const tokens = ids.filter((id) => Token.isUnresolved(id)).length;
    const bytes = Buffer.byteLength(ids.map((id) => Token.isUnresolved(id) ? 'x' : id).join(','), 'utf8');
    if (bytes > EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES) {
      const number = (n: number) => n.toLocaleString('en-US');
      throw new Error(`Cannot read attrExcludedParticipantIds of the ConnectionPreferences at ${this.node.path}: `
        + `its ${ids.length} excludedParticipantIdentifiers joined with commas take ${tokens > 0 ? 'at least ' : ''}${number(bytes)} bytes, and the `
        + `attribute has a budget of ${number(EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES)} bytes (CloudFormation refuses a custom `
        + `resource response over 4,096 bytes), so the handler would leave it out and reading it would fail the deploy; `
        + 'read attrExcludedParticipantCount and attrExcludedParticipantIdsSha256 instead, or use the declared list itself.');
    }
    return this.excludedParticipantIdsAttribute;
  }

  /** The 12-digit account whose preferences this manages, when synth can know it. */
  get targetAccount(): string | undefined {
    if (this.assumeRoleArn !== undefined) {
      return Token.isUnresolved(this.assumeRoleArn) ? undefined : accountOfRoleArn(this.assumeRoleArn);
    }
    const account = Stack.of(this).account;
    return Token.isUnresolved(account) ? undefined : account;
  }

  private validate(props: ConnectionPreferencesProps, resolved: { removalPolicy: RemovalPolicy; driftPolicy: DriftPolicy; timeout: Duration }): void {
    const problems = preferenceProblems({
      catalog: this.catalog,
      accessType: props.accessType,
      excludedParticipantIdentifiers: props.excludedParticipantIdentifiers,
      removalPolicy: resolved.removalPolicy,
      driftPolicy: resolved.driftPolicy,
      assumeRoleArn: props.assumeRoleArn,
      externalId: props.externalId,
    }, Token.isUnresolved, 'code');
    const seconds = resolved.timeout.toSeconds();
    if (seconds < MIN_TIMEOUT.toSeconds() || seconds > MAX_TIMEOUT.toSeconds()) {
      problems.push(`timeout is ${resolved.timeout.toHumanString()}; allowed: ${MIN_TIMEOUT.toHumanString()} to ${MAX_TIMEOUT.toHumanString()}`);
    }
    if (problems.length > 0) {
      throw new Error(`Invalid ConnectionPreferences at ${this.node.path}: ${problems.join('; ')}`);
    }
    if (props.accessType === ACCESS_TYPE_WITH_EXCLUSIONS && (props.excludedParticipantIdentifiers ?? []).length === 0) {
      Annotations.of(this).addWarningV2('cdk-partner-central-connection-preferences:noExclusions',
        `${ACCESS_TYPE_WITH_EXCLUSIONS} with no excludedParticipantIdentifiers allows everyone, like ALLOW_ALL; `
        + 'add the participants to exclude, or declare ALLOW_ALL.');
    }
  }

  /** Two resources that manage one account's catalog would undo each other's writes on every deploy. */
  private duplicateProblems(declared: ConnectionPreferences[]): string[] {
    const earlier = declared.slice(0, declared.indexOf(this)).find((other) => this.sameTarget(other));
    if (!earlier) return [];
    const account = this.targetAccount ?? 'the stack\'s account';
    return [`${earlier.node.path} and ${this.node.path} both manage the ${this.catalog} connection preferences of ${account}; `
      + 'each account and catalog may have one ConnectionPreferences in an app: remove one of them'];
  }

  private sameTarget(other: ConnectionPreferences): boolean {
    if (Token.isUnresolved(this.catalog) || this.catalog !== other.catalog) return false;
    const sameStack = Stack.of(this) === Stack.of(other);
    if (sameStack && this.assumeRoleArn === undefined && other.assumeRoleArn === undefined) return true;
    return this.targetAccount !== undefined && this.targetAccount === other.targetAccount;
  }
}

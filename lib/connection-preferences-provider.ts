import { createHash } from 'crypto';
import * as path from 'path';
import { Aws, CfnResource, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import {
  BASIC_EXECUTION_ROLE,
  createHandlerFunction,
  HandlerConfiguration,
  HandlerRole,
  VPC_ACCESS_EXECUTION_ROLE,
} from './handler-configuration';

export { BASIC_EXECUTION_ROLE, LOG_RETENTION } from './handler-configuration';

/** The handler bundle that the library's build writes (lambda/bundle.mjs) and the package ships, monitor included. */
export const HANDLER_BUNDLE_DIR = path.join(__dirname, '..', 'assets', 'handler');

/**
 * How long one Create, Update or Delete may take unless a ConnectionPreferences sets `timeout`. Every wait of the
 * handler ends 10 s before it, so a contended account or a failing API fails with a reason, not a Lambda timeout.
 */
export const DEFAULT_TIMEOUT = Duration.minutes(2);

/**
 * How long CloudFormation may wait beyond the handler function's timeout for the Provider framework to answer: its
 * cold start, its Invoke's retries, the handler's cold start, and its 6 attempts to PUT the response with doubling
 * backoff (at most 31 s of sleep). docs/decisions/0001-service-timeout.md works it out.
 */
export const FRAMEWORK_OVERHEAD = Duration.seconds(90);

/**
 * The handler function and the Provider framework that serve every ConnectionPreferences in a stack: one per
 * stack, whatever the number of resources, with IAM scoped to the catalogs and roles the stack declares.
 */
export class ConnectionPreferencesProvider extends Construct {
  /**
   * The stack's provider, created by the first ConnectionPreferences of that stack with its handlerConfiguration.
   * A later one may repeat those settings or leave them out; one that differs fails, naming both resources.
   */
  static of(scope: IConstruct, configuration: HandlerConfiguration = {}): ConnectionPreferencesProvider {
    const stack = Stack.of(scope);
    const id = 'PartnerCentralConnectionPreferencesProvider';
    const existing = stack.node.tryFindChild(id) as ConnectionPreferencesProvider | undefined;
    if (!existing) return new ConnectionPreferencesProvider(stack, id, scope, configuration);
    const conflicts = configurationConflicts(existing.configuredBy, existing.configuration, scope, configuration);
    if (conflicts.length > 0) throw new Error(`Invalid handlerConfiguration at ${scope.node.path}: ${conflicts.join('; ')}`);
    return existing;
  }

  readonly serviceToken: string;
  /**
   * How long CloudFormation waits for an answer before it fails a resource, instead of its default hour: the handler
   * function's timeout (its deadline comes from the function, whatever the resource declared) plus the framework's.
   */
  readonly serviceTimeout: Duration;
  readonly handler: lambda.Function;
  /** The log group of the handler and the framework: it must exist before the first invocation. */
  readonly logGroup: logs.LogGroup;
  private readonly role: HandlerRole;
  private readonly catalogs = new Set<string>();
  private readonly roleArns = new Set<string>();
  private readonly timeouts: Duration[] = [];

  private constructor(scope: Construct, id: string, private readonly configuredBy: IConstruct, private readonly configuration: HandlerConfiguration) {
    super(scope, id);

    // Named as Lambda names it, so that the Provider framework's "Logs: /aws/lambda/<function>" hint is right.
    // The framework's own function logs there too: one log group, one place to look, one resource less a stack.
    const built = createHandlerFunction(this, configuration, {
      description: 'Converges Partner Central connection preferences to what the stack declares',
      code: lambda.Code.fromAsset(HANDLER_BUNDLE_DIR),
      handler: 'index.handler',
      timeout: DEFAULT_TIMEOUT,
      logGroupNamedAfterFunction: true,
      givenBy: configuredBy,
    });
    this.handler = built.function;
    this.logGroup = built.logGroup;
    this.role = built.role;
    // One function serves the whole stack: it gets the longest timeout any of its resources asks for.
    const longestTimeout = () => Math.max(...this.timeouts.map((t) => t.toSeconds()));
    (this.handler.node.defaultChild as lambda.CfnFunction).timeout = Lazy.number({ produce: longestTimeout });
    this.serviceTimeout = Duration.seconds(Lazy.number({ produce: () => longestTimeout() + FRAMEWORK_OVERHEAD.toSeconds() }));

    // The framework's function runs where the handler runs (it invokes it and answers CloudFormation), with its own role.
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup: this.logGroup,
      vpc: configuration.vpc,
      vpcSubnets: configuration.vpcSubnets,
      securityGroups: configuration.securityGroups,
      providerFunctionEnvEncryption: configuration.environmentEncryption,
    });
    this.serviceToken = provider.serviceToken;
    // Every invocation of the handler goes through the framework's function: it waits for a given role's permissions.
    this.role.isNeededBy(provider.node.findChild('framework-onEvent'));
    acknowledgeFrameworkFindings(this.handler, provider, configuration);
  }

  /**
   * Lets the handler manage this target: the catalog in its own account, or any catalog through the role.
   *
   * Permissions that only Create and Update need join the stack's shared statements. A resource whose Delete calls
   * the API (removal policy DESTROY) gets a policy of its own, named after its target, that it depends on:
   * CloudFormation then deletes the resource before the policy, also when the resource is removed or pointed
   * elsewhere, instead of shrinking a shared statement in the update phase before the cleanup-phase Delete. That
   * policy also lets the Delete read its own stack (see readOwnStackStatement).
   */
  permit(resource: Construct, target: Target, options: { neededOnDelete: boolean }): void {
    if (options.neededOnDelete) {
      const statement = target.assumeRoleArn === undefined
        ? partnerCentralStatement(MANAGE_CONNECTION_PREFERENCES, [target.catalog])
        : assumeRoleStatement([target.assumeRoleArn]);
      const targetHash = createHash('sha256').update(JSON.stringify(Stack.of(this).resolve(target))).digest('hex').slice(0, 8);
      const policy = this.role.policy(resource, `DeletePermissions${targetHash}`, [statement, readOwnStackStatement()]);
      if (!policy) return;
      // Only the custom resource depends on it (the policy itself already references the role it attaches to).
      cfnResourceOf(resource).addResourceDependency(policy.node.defaultChild as CfnResource);
      if (target.assumeRoleArn === undefined) Validations.of(policy).acknowledge(PARTNER_CENTRAL_RESOURCE_STAR);
      return;
    }
    if (target.assumeRoleArn !== undefined) {
      if (this.roleArns.size === 0) this.role.grant(assumeRoleStatement(Lazy.list({ produce: () => [...this.roleArns].sort() })));
      this.roleArns.add(target.assumeRoleArn);
    } else {
      if (this.catalogs.size === 0) {
        const catalogs = Lazy.list({ produce: () => [...this.catalogs].sort() });
        this.role.grant(partnerCentralStatement(MANAGE_CONNECTION_PREFERENCES, catalogs), PARTNER_CENTRAL_RESOURCE_STAR);
      }
      this.catalogs.add(target.catalog);
    }
  }

  /**
   * Makes a custom resource wait for the log group, the one thing its first invocation needs that its ServiceToken
   * does not name: without it, Lambda would create the handler's log group itself, without retention, and the
   * stack's would then fail to create. (Today the framework function's logging config orders it too; this does not
   * rest on how aws-cdk-lib wires that.) Depending on the whole provider repeated what the ServiceToken implies.
   */
  dependOnLogGroup(resource: Construct): void {
    cfnResourceOf(resource).addResourceDependency(this.logGroup.node.defaultChild as CfnResource);
  }

  /** Makes sure the handler's timeout is at least this long. */
  allowTimeout(timeout: Duration): void {
    this.timeouts.push(timeout);
  }
}

function cfnResourceOf(resource: Construct): CfnResource {
  return resource.node.defaultChild as CfnResource;
}

/** Whose preferences a resource manages. */
export interface Target {
  readonly catalog: string;
  readonly assumeRoleArn?: string;
}

export const GET_CONNECTION_PREFERENCES = 'partnercentral:GetConnectionPreferences';
export const UPDATE_CONNECTION_PREFERENCES = 'partnercentral:UpdateConnectionPreferences';
/** What managing the preferences takes: the handler's, and a role's in another account. A monitor that only reports reads. */
export const MANAGE_CONNECTION_PREFERENCES = [GET_CONNECTION_PREFERENCES, UPDATE_CONNECTION_PREFERENCES];

/** Neither action supports resource-level scoping; the catalog condition is the narrowest IAM allows. */
export function partnerCentralStatement(actions: string[], catalogs: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions,
    resources: ['*'],
    conditions: { StringEquals: { 'partnercentral:Catalog': catalogs } },
  });
}

/**
 * Before a DESTROY Delete resets the preferences, the handler lists its own stack's resources, to see whether another
 * resource of the stack now manages the same account and catalog: a construct moved to a new logical id. If one does
 * and the stack is rolling back a failed deploy, it reads the stack's status and template, to write back what that
 * resource declares (decision 0009). The stack is in the handler's account, so its own role needs this, also for a
 * resource with assumeRoleArn. The stack's own ARN only (AWS::StackId); the actions need no wildcard.
 */
function readOwnStackStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'], resources: [Aws.STACK_ID] });
}

export function assumeRoleStatement(roleArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roleArns });
}

/**
 * cdk-nag (AwsSolutions) findings that come with what this construct must do, acknowledged on the resources it owns
 * and nowhere else, each with its reason. A finding on anything else stays visible.
 */
export const PARTNER_CENTRAL_RESOURCE_STAR = {
  id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
  reason: 'partnercentral:GetConnectionPreferences and UpdateConnectionPreferences support no resource-level permissions; '
    + 'the statement is scoped with the partnercentral:Catalog condition instead.',
};

/** The framework's role is its own, whatever the handler's: findings on it come from aws-cdk-lib's Provider. */
function acknowledgeFrameworkFindings(handler: lambda.Function, provider: cr.Provider, configuration: HandlerConfiguration): void {
  const frameworkRole = provider.node.findChild('framework-onEvent').node.findChild('ServiceRole');
  Validations.of(frameworkRole).acknowledge(BASIC_EXECUTION_ROLE, ...configuration.vpc ? [VPC_ACCESS_EXECUTION_ROLE] : [], {
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(handler).getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    reason: 'The Provider framework of aws-cdk-lib invokes the handler function, including its versions and aliases (<function ARN>:*).',
  });
}

/** How two resources' values of each setting are compared: a setting without a rule here is a compile error. */
const SAME: Record<keyof HandlerConfiguration, (a: any, b: any, vpc?: ec2.IVpc) => boolean> = {
  runtime: (a: lambda.Runtime, b: lambda.Runtime) => a.name === b.name,
  vpc: (a, b) => a === b,
  vpcSubnets: (a: ec2.SubnetSelection, b: ec2.SubnetSelection, vpc) =>
    vpc !== undefined && resolvedJson(vpc, vpc.selectSubnets(a).subnetIds) === resolvedJson(vpc, vpc.selectSubnets(b).subnetIds),
  securityGroups: (a: ec2.ISecurityGroup[], b: ec2.ISecurityGroup[]) => a.length === b.length && a.every((group) => b.includes(group)),
  memorySize: (a, b) => a === b,
  logRetention: (a, b) => a === b,
  logEncryptionKey: (a, b) => a === b,
  logRemovalPolicy: (a, b) => a === b,
  environmentEncryption: (a, b) => a === b,
  role: (a, b) => a === b,
};

const resolvedJson = (scope: IConstruct, value: unknown) => JSON.stringify(Stack.of(scope).resolve(value));

/**
 * Why a later resource's configuration disagrees with the one that built its stack's function, one line per setting.
 * A later resource may repeat a setting or leave it out; one that the first left out cannot apply once the function
 * is built (a VPC or a role shapes resources created with it), so it must be given on the first resource.
 */
function configurationConflicts(first: IConstruct, built: HandlerConfiguration, later: IConstruct, given: HandlerConfiguration): string[] {
  const conflicts: string[] = [];
  for (const name of Object.keys(SAME) as Array<keyof HandlerConfiguration>) {
    const [a, b] = [built[name], given[name]];
    if (b === undefined) continue;
    if (a === undefined) {
      conflicts.push(`${later.node.path} gives handlerConfiguration.${name}, which ${first.node.path}, the first ConnectionPreferences of `
        + `the stack, does not give, and that one built the stack's handler function; give ${name} on ${first.node.path} (or on all of them)`);
    } else if (!SAME[name](a, b, built.vpc)) {
      conflicts.push(`${first.node.path} and ${later.node.path} give different handlerConfiguration.${name} (${describe(a)} and ${describe(b)}), `
        + `and one handler function serves every ConnectionPreferences of a stack; give the same ${name}, or give it on ${first.node.path} only`);
    }
  }
  return conflicts;
}

function describe(value: unknown): string {
  if (value instanceof lambda.Runtime) return value.name;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (Construct.isConstruct(value)) return value.node.path;
  return typeof value === 'object' ? 'a subnet selection' : String(value);
}

import { createHash } from 'crypto';
import * as path from 'path';
import { Aws, CfnResource, Duration, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

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

/** How long the logs of the handler and of the provider framework are kept. */
export const LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/**
 * The handler function and the Provider framework that serve every ConnectionPreferences in a stack: one per
 * stack, whatever the number of resources, with IAM scoped to the catalogs and roles the stack declares.
 */
export class ConnectionPreferencesProvider extends Construct {
  /** The stack's provider, created by the first ConnectionPreferences of that stack. */
  static of(scope: Construct): ConnectionPreferencesProvider {
    const stack = Stack.of(scope);
    const id = 'PartnerCentralConnectionPreferencesProvider';
    return (stack.node.tryFindChild(id) as ConnectionPreferencesProvider | undefined) ?? new ConnectionPreferencesProvider(stack, id);
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
  private readonly catalogs = new Set<string>();
  private readonly roleArns = new Set<string>();
  private readonly timeouts: Duration[] = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);

    this.handler = new lambda.Function(this, 'Handler', {
      description: 'Converges Partner Central connection preferences to what the stack declares',
      runtime: lambda.determineLatestNodeRuntime(this),
      code: lambda.Code.fromAsset(HANDLER_BUNDLE_DIR),
      handler: 'index.handler',
      timeout: DEFAULT_TIMEOUT,
      memorySize: 256,
    });
    // One function serves the whole stack: it gets the longest timeout any of its resources asks for.
    const longestTimeout = () => Math.max(...this.timeouts.map((t) => t.toSeconds()));
    (this.handler.node.defaultChild as lambda.CfnFunction).timeout = Lazy.number({ produce: longestTimeout });
    this.serviceTimeout = Duration.seconds(Lazy.number({ produce: () => longestTimeout() + FRAMEWORK_OVERHEAD.toSeconds() }));
    // Named as Lambda names it, so that the Provider framework's "Logs: /aws/lambda/<function>" hint is right.
    // The framework's own function logs there too: one log group, one place to look, one resource less a stack.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${this.handler.functionName}`,
      retention: LOG_RETENTION,
    });

    const provider = new cr.Provider(this, 'Provider', { onEventHandler: this.handler, logGroup: this.logGroup });
    this.serviceToken = provider.serviceToken;
    acknowledgeInherentFindings(this.handler, provider);
  }

  /**
   * Lets the handler manage this target: the catalog in its own account, or any catalog through the role.
   *
   * Permissions that only Create and Update need join the stack's shared statements. A resource whose Delete calls
   * the API (removal policy DESTROY) gets a policy of its own, named after its target, that it depends on:
   * CloudFormation then deletes the resource before the policy, also when the resource is removed or pointed
   * elsewhere, instead of shrinking a shared statement in the update phase before the cleanup-phase Delete. That
   * policy also lets the Delete list its own stack's resources (see listOwnStackResourcesStatement).
   */
  permit(resource: Construct, target: Target, options: { neededOnDelete: boolean }): void {
    if (options.neededOnDelete) {
      const statement = target.assumeRoleArn === undefined
        ? partnerCentralStatement(MANAGE_CONNECTION_PREFERENCES, [target.catalog])
        : assumeRoleStatement([target.assumeRoleArn]);
      const targetHash = createHash('sha256').update(JSON.stringify(Stack.of(this).resolve(target))).digest('hex').slice(0, 8);
      const policy = new iam.Policy(resource, `DeletePermissions${targetHash}`, {
        roles: [this.handler.role!],
        statements: [statement, listOwnStackResourcesStatement()],
      });
      // Only the custom resource depends on it (the policy itself already references the role it attaches to).
      cfnResourceOf(resource).addResourceDependency(policy.node.defaultChild as CfnResource);
      if (target.assumeRoleArn === undefined) Validations.of(policy).acknowledge(PARTNER_CENTRAL_RESOURCE_STAR);
      return;
    }
    if (target.assumeRoleArn !== undefined) {
      if (this.roleArns.size === 0) this.handler.addToRolePolicy(assumeRoleStatement(Lazy.list({ produce: () => [...this.roleArns].sort() })));
      this.roleArns.add(target.assumeRoleArn);
    } else {
      if (this.catalogs.size === 0) {
        const catalogs = Lazy.list({ produce: () => [...this.catalogs].sort() });
        this.handler.addToRolePolicy(partnerCentralStatement(MANAGE_CONNECTION_PREFERENCES, catalogs));
        Validations.of(this.handler.role!.node.findChild('DefaultPolicy')).acknowledge(PARTNER_CENTRAL_RESOURCE_STAR);
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
 * resource of the stack now manages the same account and catalog: a construct moved to a new logical id. The stack is
 * in the handler's account, so its own role needs this, also for a resource with assumeRoleArn. The stack's own ARN
 * only (AWS::StackId); the action needs no wildcard.
 */
function listOwnStackResourcesStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['cloudformation:ListStackResources'], resources: [Aws.STACK_ID] });
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
export const BASIC_EXECUTION_ROLE = {
  id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason: 'AWSLambdaBasicExecutionRole only lets the function write its logs (logs:CreateLogGroup, CreateLogStream, PutLogEvents).',
};

function acknowledgeInherentFindings(handler: lambda.Function, provider: cr.Provider): void {
  Validations.of(handler.role!).acknowledge(BASIC_EXECUTION_ROLE);
  const frameworkRole = provider.node.findChild('framework-onEvent').node.findChild('ServiceRole');
  Validations.of(frameworkRole).acknowledge(BASIC_EXECUTION_ROLE, {
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(handler).getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    reason: 'The Provider framework of aws-cdk-lib invokes the handler function, including its versions and aliases (<function ARN>:*).',
  });
}

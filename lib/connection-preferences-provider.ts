import * as path from 'path';
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The handler bundle that the library's build writes (lambda/bundle.mjs) and the package ships. */
const HANDLER_BUNDLE_DIR = path.join(__dirname, '..', 'assets', 'handler');

/**
 * How long one Create, Update or Delete may take unless a ConnectionPreferences sets `timeout`. Every wait of the
 * handler ends 10 s before it, so a contended account or a failing API fails with a reason, not a Lambda timeout.
 */
export const DEFAULT_TIMEOUT = Duration.minutes(2);

/** How long the handler's and the provider framework's logs are kept. */
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
  readonly handler: lambda.Function;
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
    (this.handler.node.defaultChild as lambda.CfnFunction).timeout = Lazy.number({
      produce: () => Math.max(...this.timeouts.map((t) => t.toSeconds())),
    });
    // Named as Lambda names it, so that the Provider framework's "Logs: /aws/lambda/<function>" hint is right.
    new logs.LogGroup(this, 'HandlerLogs', {
      logGroupName: `/aws/lambda/${this.handler.functionName}`,
      retention: LOG_RETENTION,
    });

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.handler,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention: LOG_RETENTION }),
    });
    this.serviceToken = provider.serviceToken;
  }

  /** Lets the handler read and write the preferences of this catalog in its own account. */
  allowCatalog(catalog: string): void {
    if (this.catalogs.size === 0) {
      // Neither action supports resource-level scoping; the catalog condition is the narrowest IAM allows.
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'partnercentral:Catalog': Lazy.list({ produce: () => [...this.catalogs].sort() }) },
        },
      }));
    }
    this.catalogs.add(catalog);
  }

  /** Lets the handler assume this role, and no other. */
  allowAssumeRole(roleArn: string): void {
    if (this.roleArns.size === 0) {
      this.handler.addToRolePolicy(new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: Lazy.list({ produce: () => [...this.roleArns].sort() }),
      }));
    }
    this.roleArns.add(roleArn);
  }

  /** Makes sure the handler's timeout is at least this long. */
  allowTimeout(timeout: Duration): void {
    this.timeouts.push(timeout);
  }
}

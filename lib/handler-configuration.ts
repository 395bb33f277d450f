import { Annotations, ArnFormat, Aws, CfnResource, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';

/**
 * How a Lambda function of this library that calls Partner Central is built, where it runs and how it logs: the
 * handler that serves every ConnectionPreferences of a stack (with the Provider framework's function, which gets the
 * same network settings, log group and environment key), or a ConnectionPreferencesMonitor's function.
 */
export interface HandlerConfiguration {
  /**
   * The Lambda runtime: Node.js 20 or later, which the bundled JavaScript is built for.
   *
   * @default - the latest Node.js runtime that aws-cdk-lib knows (`lambda.determineLatestNodeRuntime`)
   */
  readonly runtime?: lambda.Runtime;

  /**
   * A VPC to run the function in. It must reach partnercentral-account.us-east-1.api.aws, which has no interface VPC
   * endpoint (the function calls us-east-1 from any region), so its subnets need a NAT gateway or a proxy; and STS
   * (for `assumeRoleArn`), CloudFormation (a DESTROY Delete, the monitor) and EventBridge (the monitor), through the
   * same route or their interface endpoints. The Provider framework's function, which invokes the handler and answers
   * CloudFormation through an S3 URL, runs in the same subnets. Selected subnets that are isolated give a warning.
   *
   * @default - no VPC: the function reaches AWS APIs through Lambda's own network
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Which subnets of `vpc` the function uses. Only with `vpc`.
   *
   * @default - the VPC's default selection: its private subnets with egress, if it has some
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups for the function; they must allow outbound HTTPS. Only with `vpc`.
   *
   * @default - with `vpc`, a security group for each function that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The function's memory, in MB: a whole number from 128 to 10240.
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * How long the function's log group keeps its logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A KMS key that encrypts the log group. A key of the same stack gets the key-policy statement CloudWatch Logs needs,
   * for this log group only; another key (imported, or of another stack) gives a warning saying what its policy must
   * allow. A monitor's log group is then named after its stack (`/partner-central/connection-preferences-monitor/...`),
   * so that the key policy can name it: adding the key to a deployed monitor replaces its log group.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * What removing the log group from the stack does to it and its logs: `RemovalPolicy.RETAIN` or `RemovalPolicy.DESTROY`.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * A KMS key that encrypts the environment variables of the functions that have some: the Provider framework's
   * function and a monitor's function (the handler has none).
   *
   * @default - a key that AWS manages for Lambda
   */
  readonly environmentEncryption?: kms.IKey;

  /**
   * The function's execution role, instead of one the construct creates. The construct adds the statements the
   * function needs (to write its log group, to attach to `vpc`, to call Partner Central) in policies of its own that
   * it attaches to the role. An imported role that takes no policies (`iam.Role.fromRoleArn(..., { mutable: false })`)
   * fails the synth with the policy it must already allow.
   *
   * @default - a role the construct creates, with AWSLambdaBasicExecutionRole (and AWSLambdaVPCAccessExecutionRole with `vpc`)
   */
  readonly role?: iam.IRole;
}

/** The bundle (bin/bundle.mjs) targets Node 20. */
const MIN_NODE_MAJOR = 20;
const DEFAULT_MEMORY_SIZE = 256;
/** How long the logs of the handler, the provider framework and the monitor are kept, unless configured. */
export const LOG_RETENTION = logs.RetentionDays.ONE_YEAR;
const LOG_REMOVAL_POLICIES = [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY];
/** `RemovalPolicy.SNAPSHOT`, as the user writes it, not its value `snapshot`. */
const inCode = (policy: RemovalPolicy) => `RemovalPolicy.${String(policy).toUpperCase()}`;

/** cdk-nag findings that come with a Lambda function the construct creates, acknowledged on its own resources only. */
export const BASIC_EXECUTION_ROLE = {
  id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason: 'AWSLambdaBasicExecutionRole only lets the function write its logs (logs:CreateLogGroup, CreateLogStream, PutLogEvents).',
};
export const VPC_ACCESS_EXECUTION_ROLE = {
  id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
  reason: 'AWSLambdaVPCAccessExecutionRole lets Lambda create and remove the network interfaces that attach the function to the configured VPC.',
};
const NETWORK_INTERFACES_RESOURCE_STAR = {
  id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
  reason: 'The actions of AWSLambdaVPCAccessExecutionRole, as Lambda needs them to attach the function to the VPC.',
};

/** What a construct's function is, besides its configuration. */
export interface HandlerFunctionProps extends Pick<lambda.FunctionProps, 'description' | 'code' | 'handler' | 'timeout' | 'environment'> {
  /**
   * The handler logs where Lambda sends a function's logs by default (/aws/lambda/<name>), because that is where the
   * Provider framework's error messages point; the monitor's function is given its log group.
   */
  readonly logGroupNamedAfterFunction: boolean;
  /** The construct whose `handlerConfiguration` this is, for error messages. */
  readonly givenBy: IConstruct;
}

/** A function built from a HandlerConfiguration: the one way both the provider and the monitor build theirs. */
export interface HandlerFunction {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: HandlerRole;
}

export function createHandlerFunction(scope: Construct, c: HandlerConfiguration, props: HandlerFunctionProps): HandlerFunction {
  const { logGroupNamedAfterFunction, givenBy, ...functionProps } = props;
  const problems = configurationProblems(c);
  if (problems.length > 0) throw new Error(`Invalid handlerConfiguration at ${givenBy.node.path}: ${problems.join('; ')}`);
  const logGroupProps = { retention: c.logRetention ?? LOG_RETENTION, encryptionKey: c.logEncryptionKey, removalPolicy: c.logRemovalPolicy };
  // A key policy that names the log group needs its name before it exists, without a reference to it (a cycle):
  // CloudFormation names the monitor's otherwise. The stack id's UUID keeps a retained one from blocking a new stack.
  const monitorLogGroupName = c.logEncryptionKey && Fn.join('', ['/partner-central/connection-preferences-monitor/', Aws.STACK_NAME,
    '/', Fn.select(2, Fn.split('/', Aws.STACK_ID))]);
  const givenLogGroup = logGroupNamedAfterFunction ? undefined : new logs.LogGroup(scope, 'Logs', { ...logGroupProps, logGroupName: monitorLogGroupName });
  const fn = new lambda.Function(scope, 'Handler', {
    ...functionProps,
    runtime: c.runtime ?? lambda.determineLatestNodeRuntime(scope),
    memorySize: c.memorySize ?? DEFAULT_MEMORY_SIZE,
    // A key on a function without variables protects nothing, and would make a key that also encrypts the handler's
    // logs depend on the function its key policy names: a cycle.
    environmentEncryption: props.environment && c.environmentEncryption,
    logGroup: givenLogGroup,
    vpc: c.vpc,
    vpcSubnets: c.vpcSubnets,
    securityGroups: c.securityGroups,
    role: c.role,
  });
  const logGroupName = givenLogGroup ? monitorLogGroupName : `/aws/lambda/${fn.functionName}`;
  const logGroup = givenLogGroup ?? new logs.LogGroup(scope, 'Logs', { ...logGroupProps, logGroupName });
  if (c.logEncryptionKey) allowLogsToUseKey(scope, logGroup, logGroupName!, c.logEncryptionKey);
  if (c.vpc) warnOfIsolatedSubnets(scope, c.vpc, c.vpcSubnets);

  const role = new HandlerRole(scope, fn, logGroup, c.role === undefined);
  if (role.own) {
    Validations.of(fn.role!).acknowledge(BASIC_EXECUTION_ROLE, ...c.vpc ? [VPC_ACCESS_EXECUTION_ROLE] : []);
    return { function: fn, logGroup, role };
  }
  // A given role has no AWSLambdaBasicExecutionRole: it may write this log group, and no other.
  role.grant(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  if (c.vpc) role.grantNetworkInterfaces();
  // The monitor's function may wait for its permissions; the handler's log group is named after the function, so what
  // invokes it (the Provider framework) waits instead.
  if (!logGroupNamedAfterFunction) role.isNeededBy(fn);
  return { function: fn, logGroup, role };
}

/**
 * The function's role, and where the construct's statements for it go: the default policy of a role the construct
 * created (as before a role could be given), or, for a given role, policies of the construct's own attached to it, so
 * that acknowledged findings stay on the construct's resources. A given role that does not take them (an imported,
 * immutable role) fails the synth, listing every statement it must allow: a function deployed without them would fail
 * at run time.
 */
export class HandlerRole {
  /** Whether it takes the construct's statements. */
  readonly mutable: boolean;
  private readonly required: Array<() => iam.PolicyStatement[]> = [];
  /** What the function needs to run. It names the log group, which the handler's function names: it cannot wait for it. */
  private readonly rolePolicy?: iam.Policy;

  constructor(private readonly scope: Construct, private readonly fn: lambda.Function, private readonly logGroup: logs.LogGroup, readonly own: boolean) {
    if (own) {
      this.mutable = true;
      return;
    }
    // Attached from the role's side, which an immutable role ignores: the policy's roles tell, without a side effect.
    const policy = new iam.Policy(scope, 'RolePolicy');
    this.role.attachInlinePolicy(policy);
    this.mutable = (Stack.of(scope).resolve((policy.node.defaultChild as iam.CfnPolicy).roles) ?? []).length > 0;
    if (this.mutable) {
      this.rolePolicy = policy;
    } else {
      scope.node.tryRemoveChild(policy.node.id);
      scope.node.addValidation({ validate: () => [this.immutableRoleProblem()] });
    }
  }

  get role(): iam.IRole { return this.fn.role!; }

  /** Adds a statement for as long as the function exists, acknowledging a finding where it lands. */
  grant(statement: iam.PolicyStatement, acknowledgement?: { id: string; reason: string }): void {
    if (!this.mutable) return this.require(() => [statement]);
    let policy: IConstruct;
    if (this.rolePolicy) {
      policy = this.rolePolicy;
      this.rolePolicy.addStatements(statement);
    } else {
      this.fn.addToRolePolicy(statement);
      policy = this.role.node.findChild('DefaultPolicy');
    }
    if (acknowledgement) Validations.of(policy).acknowledge(acknowledgement);
  }

  /** A policy of its own for the role, under `scope`; none when the role takes no statements. */
  policy(scope: Construct, id: string, statements: iam.PolicyStatement[]): iam.Policy | undefined {
    if (this.mutable) return new iam.Policy(scope, id, { roles: [this.role], statements });
    this.require(() => statements);
    return undefined;
  }

  /** Statements the role must allow, for the error on a role that takes none; computed at synth. */
  require(statements: () => iam.PolicyStatement[]): void {
    this.required.push(statements);
  }

  /** Makes a resource wait for the statements the function needs to run (a given role's only). */
  isNeededBy(resource: IConstruct): void {
    if (this.rolePolicy) (resource.node.defaultChild as CfnResource).addResourceDependency(this.rolePolicy.node.defaultChild as CfnResource);
  }

  /** What AWSLambdaVPCAccessExecutionRole allows, which Lambda checks when it creates the function: the function waits for it. */
  grantNetworkInterfaces(): void {
    const statement = new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
    });
    const policy = this.policy(this.scope, 'NetworkPolicy', [statement]);
    if (!policy) return;
    (this.fn.node.defaultChild as CfnResource).addResourceDependency(policy.node.defaultChild as CfnResource);
    Validations.of(policy).acknowledge(NETWORK_INTERFACES_RESOURCE_STAR);
  }

  private immutableRoleProblem(): string {
    const statements = this.required.flatMap((produce) => produce()).map((s) => s.toStatementJson());
    const document = Stack.of(this.scope).resolve({ Version: '2012-10-17', Statement: statements });
    return `The function ${this.fn.node.path} would run with the role ${this.role.node.path} (${this.role.roleArn}), which does not `
      + 'take the construct\'s policies (an imported, immutable role), and it would fail at run time without them. Give a role '
      + 'the construct may attach policies to, or one whose policies already allow this (Ref and Fn::GetAtt name resources of this '
      + `stack, such as the function's log group ${this.logGroup.node.path}):\n${JSON.stringify(document, null, 2)}`;
  }
}

/** Why a configuration cannot build a function, if it cannot: each problem says what is allowed. */
function configurationProblems(c: HandlerConfiguration): string[] {
  const problems: string[] = [];
  if (c.runtime && c.runtime !== lambda.Runtime.NODEJS_LATEST) {
    const major = /^nodejs(\d+)\.x$/.exec(c.runtime.name)?.[1];
    if (c.runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined || Number(major) < MIN_NODE_MAJOR) {
      problems.push(`runtime is ${c.runtime.name}; allowed: a Node.js runtime, nodejs${MIN_NODE_MAJOR}.x or later (the handler is JavaScript built for Node.js ${MIN_NODE_MAJOR})`);
    }
  }
  const memory = c.memorySize;
  if (memory !== undefined && !Token.isUnresolved(memory) && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
    problems.push(`memorySize is ${memory}; allowed: a whole number of MB from 128 to 10240`);
  }
  if (c.logRetention !== undefined && !Object.values(logs.RetentionDays).includes(c.logRetention)) {
    problems.push(`logRetention is ${c.logRetention}; allowed: a logs.RetentionDays value`);
  }
  if (c.logRemovalPolicy !== undefined && !LOG_REMOVAL_POLICIES.includes(c.logRemovalPolicy)) {
    problems.push(`logRemovalPolicy is ${inCode(c.logRemovalPolicy)}; allowed: ${LOG_REMOVAL_POLICIES.map(inCode).join(', ')}`);
  }
  for (const name of ['vpcSubnets', 'securityGroups'] as const) {
    if (c[name] !== undefined && !c.vpc) problems.push(`${name} is given without vpc; allowed: ${name} only with vpc`);
  }
  return problems;
}

/**
 * CloudWatch Logs encrypts with the key only if its key policy allows it: AWS's documented statement, for this one log
 * group. A key this stack does not own (imported, or of another stack, which would then name this stack's function
 * while this stack names its key: a cycle between stacks) is not changed; the warning says what it must allow.
 */
function allowLogsToUseKey(scope: Construct, logGroup: logs.LogGroup, logGroupName: string, key: kms.IKey): void {
  const stack = Stack.of(logGroup);
  const statement = new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs', resource: 'log-group', resourceName: logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  });
  if (key.stack === stack && key.addToResourcePolicy(statement).statementAdded) return;
  Annotations.of(scope).addWarningV2('cdk-partner-central-connection-preferences:logEncryptionKeyPolicy',
    `The log group ${logGroup.node.path} is encrypted with the KMS key ${key.node.path}, whose key policy this stack does not `
    + 'change (an imported key, or a key of another stack). Unless its key policy allows CloudWatch Logs this statement, the '
    + `log group fails to create: ${JSON.stringify(stack.resolve(statement.toStatementJson()))}`);
}

/** Isolated subnets have no route out of the VPC, and Partner Central has no VPC endpoint to route to. */
function warnOfIsolatedSubnets(scope: Construct, vpc: ec2.IVpc, selection?: ec2.SubnetSelection): void {
  const selected = vpc.selectSubnets(selection).subnetIds;
  const isolated = new Set(vpc.isolatedSubnets.map((subnet) => subnet.subnetId));
  if (selected.length === 0 || !selected.every((id) => isolated.has(id))) return;
  Annotations.of(scope).addWarningV2('cdk-partner-central-connection-preferences:isolatedSubnets',
    `The function of ${scope.node.path} runs in isolated subnets of ${vpc.node.path}, which have no route out of the VPC, and `
    + 'Partner Central (partnercentral-account.us-east-1.api.aws) has no interface VPC endpoint: its calls will time out. '
    + 'Select subnets with a NAT gateway (ec2.SubnetType.PRIVATE_WITH_EGRESS), or route these to a proxy or a NAT elsewhere.');
}

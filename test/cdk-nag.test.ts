import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, HandlerConfiguration, MonitorMode } from '../lib';

/**
 * A stack with every kind of ConnectionPreferences: own account, DESTROY with its own policy, a cross-account role;
 * and the monitor with all its resources: reconciling (it may update), checking on change, its alarms.
 */
function appWithEveryVariant(handlerConfiguration?: (stack: Stack) => HandlerConfiguration) {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Partner');
  const configuration = handlerConfiguration?.(stack);
  new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL, handlerConfiguration: configuration });
  new ConnectionPreferences(stack, 'Destroyed', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
  new ConnectionPreferences(stack, 'CrossAccount', {
    accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc', externalId: 'ext-1', removalPolicy: RemovalPolicy.DESTROY,
  });
  new ConnectionPreferencesMonitor(stack, 'Monitor', { mode: MonitorMode.RECONCILE, detectOnChange: true, handlerConfiguration: configuration });
  return { app, stack };
}

test('AwsSolutions finds nothing unacknowledged in a stack with every variant of the construct', () => {
  const { app } = appWithEveryVariant();
  expect(() => app.synth()).not.toThrow();
});

test('the construct acknowledges only its own resources: the same finding elsewhere still fails the synth', () => {
  const { app, stack } = appWithEveryVariant();
  const unrelated = new iam.Role(stack, 'Unrelated', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  unrelated.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));

  let report = '';
  try {
    app.synth();
  } catch (e) {
    report = (e as Error).message;
  }
  expect(report).toMatch(/Partner\/Unrelated\/DefaultPolicy\/Resource[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  expect(report).not.toMatch(/PartnerCentralConnectionPreferencesProvider|DeletePermissions|Partner\/Monitor/);
});

function reportOf(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('every handler setting keeps the construct clean', () => {
  /** The user's VPC, key and security group, with their own findings acknowledged as their owner would. */
  const everySetting = (more: (stack: Stack) => Partial<HandlerConfiguration> = () => ({})) => (stack: Stack): HandlerConfiguration => {
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    Validations.of(vpc).acknowledge({ id: 'AwsSolutions::AwsSolutions-VPC7', reason: 'The test\'s VPC, not the construct\'s' });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    return {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [new ec2.SecurityGroup(stack, 'Egress', { vpc })],
      memorySize: 512,
      logRetention: logs.RetentionDays.ONE_MONTH,
      logEncryptionKey: key,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      environmentEncryption: key,
      ...more(stack),
    };
  };

  test('with the construct\'s roles (the VPC adds AWSLambdaVPCAccessExecutionRole to each, acknowledged)', () => {
    expect(reportOf(appWithEveryVariant(everySetting()).app)).toBe('');
  });

  test('with a given role: clean, and a finding on the user\'s own statements in that role stays visible', () => {
    const { app, stack } = appWithEveryVariant(everySetting((s) => ({ role: new iam.Role(s, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }) })));
    const given = stack.node.findChild('Given') as iam.Role;
    given.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));
    const report = reportOf(app);
    expect(report).toMatch(/Partner\/Given\/DefaultPolicy\/Resource[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
    expect(report).not.toMatch(/PartnerCentralConnectionPreferencesProvider|DeletePermissions|Partner\/Monitor/);
  });

  test('a runtime older than the latest is the user\'s choice: AwsSolutions-L1 stays visible on both functions, and nothing else', () => {
    const report = reportOf(appWithEveryVariant(everySetting(() => ({ runtime: lambda.Runtime.NODEJS_22_X }))).app);
    const paths = report.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('Partner/')).map((line) => line.split(' ')[0]);
    expect(paths).toEqual([
      'Partner/PartnerCentralConnectionPreferencesProvider/Handler/Resource', 'Partner/Monitor/Handler/Resource']);
    expect(report.match(/AwsSolutions::AwsSolutions-\w+/g)).toEqual(['AwsSolutions::AwsSolutions-L1', 'AwsSolutions::AwsSolutions-L1']);
  });
});

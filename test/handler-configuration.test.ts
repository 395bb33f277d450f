import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, HandlerConfiguration } from '../lib';

const HANDLER = { Properties: { Handler: 'index.handler' } };
const FRAMEWORK = { Properties: { Handler: 'framework.onEvent' } };
const MONITOR = { Properties: { Handler: 'monitor.handler' } };

function only(resources: Record<string, any>): [string, any] {
  const entries = Object.entries(resources);
  if (entries.length !== 1) throw new Error(`expected one resource, found ${entries.length}: ${Object.keys(resources).join(', ')}`);
  return entries[0];
}

describe('every setting, given to the ConnectionPreferences and the monitor', () => {
  const stack = new Stack(new App(), 'Partner', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const securityGroup = new ec2.SecurityGroup(stack, 'Egress', { vpc });
  // One key for logs and environment: the combination most likely to make a circular dependency.
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const configuration: HandlerConfiguration = {
    runtime: lambda.Runtime.NODEJS_22_X,
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    securityGroups: [securityGroup],
    memorySize: 512,
    logRetention: logs.RetentionDays.ONE_MONTH,
    logEncryptionKey: key,
    logRemovalPolicy: RemovalPolicy.DESTROY,
    environmentEncryption: key,
  };
  new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL, handlerConfiguration: configuration });
  new ConnectionPreferences(stack, 'Sandbox', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
  new ConnectionPreferencesMonitor(stack, 'Monitor', { handlerConfiguration: configuration });
  const template = Template.fromStack(stack);
  const [handlerId, handler] = only(template.findResources('AWS::Lambda::Function', HANDLER));
  const [, framework] = only(template.findResources('AWS::Lambda::Function', FRAMEWORK));
  const [, monitor] = only(template.findResources('AWS::Lambda::Function', MONITOR));
  const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
  const privateSubnets = vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
  const vpcConfig = { SecurityGroupIds: [stack.resolve(securityGroup.securityGroupId)], SubnetIds: privateSubnets };

  test('the handler and the monitor run the runtime and memory given', () => {
    for (const fn of [handler, monitor]) expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', MemorySize: 512 });
  });

  test('the handler, the Provider framework\'s function and the monitor run in the subnets and security groups given', () => {
    for (const fn of [handler, framework, monitor]) expect(fn.Properties.VpcConfig).toEqual(vpcConfig);
    // The construct adds no security group of its own when some are given.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });

  test('the environment key encrypts the functions that have variables, and not the handler, which has none', () => {
    expect(framework.Properties.KmsKeyArn).toEqual(keyArn);
    expect(monitor.Properties.KmsKeyArn).toEqual(keyArn);
    expect(handler.Properties.Environment).toBeUndefined();
    expect(handler.Properties.KmsKeyArn).toBeUndefined();
  });

  test('both log groups keep logs as long as given, encrypted with the key, and go with the stack', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(logGroups)).toHaveLength(2);
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 30, KmsKeyId: keyArn }, DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
    // The framework's function still logs to the handler's log group.
    const [providerLogs] = Object.keys(logGroups).filter((id) => id.startsWith('PartnerCentral'));
    expect(framework.Properties.LoggingConfig.LogGroup).toEqual({ Ref: providerLogs });
  });

  test('the key policy lets CloudWatch Logs use the key for these two log groups and no other', () => {
    const statements = only(template.findResources('AWS::KMS::Key'))[1].Properties.KeyPolicy.Statement;
    const forLogs = statements.filter((s: any) => JSON.stringify(s.Principal).includes('logs.eu-west-1.'));
    const logGroupArn = (prefix: string, ...name: unknown[]) =>
      ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:eu-west-1:111122223333:log-group:${prefix}`, ...name]] });
    expect(forLogs).toEqual([handlerId, 'monitor'].map((owner) => ({
      Effect: 'Allow',
      Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': owner === handlerId
            ? logGroupArn('/aws/lambda/', { Ref: handlerId })
            : logGroupArn('/partner-central/connection-preferences-monitor/', { Ref: 'AWS::StackName' }, '/',
              { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }),
        },
      },
    })));
  });

  test('the monitor\'s log group is named as its key policy names it', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/partner-central/connection-preferences-monitor/', { Ref: 'AWS::StackName' }, '/', Match.anyValue()]] },
    });
  });

  test('the construct\'s roles may manage the functions\' network interfaces, through AWS\'s managed policy', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles).toHaveLength(3);
    for (const role of roles) expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AWSLambdaVPCAccessExecutionRole');
  });

  test('one key for logs and environment makes no circular dependency (Template.fromStack refuses a template with one)', () => {
    expect(() => Template.fromStack(stack)).not.toThrow();
    expect(handler.DependsOn).not.toContain(stack.getLogicalId(key.node.defaultChild as kms.CfnKey));
  });
});

describe('without a configuration', () => {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL });
  new ConnectionPreferencesMonitor(stack, 'Monitor');
  const template = Template.fromStack(stack);

  test('no function runs in a VPC or has a key, and the log groups are retained, unencrypted, the monitor\'s unnamed', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent(), KmsKeyArn: Match.absent() });
    template.allResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: Match.absent(), RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent() });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});

describe('a ConnectionPreferences that gives no configuration adopts the stack\'s', () => {
  test('the one function has the first resource\'s settings', () => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferences(stack, 'First', { accessType: AccessType.DENY_ALL, handlerConfiguration: { memorySize: 1024 } });
    new ConnectionPreferences(stack, 'Second', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 1024 });
  });
});

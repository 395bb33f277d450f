import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, HandlerConfiguration } from '../lib';
import { errorOf } from './support/synth';

describe('a setting outside what is allowed fails the synth, saying what is allowed', () => {
  const stack = new Stack(new App(), 'Partner');
  let n = 0;
  const declare = (handlerConfiguration: HandlerConfiguration) => () =>
    new ConnectionPreferences(new Stack(new App(), `Partner${n++}`), 'Prefs', { accessType: AccessType.DENY_ALL, handlerConfiguration });

  test.each<[string, HandlerConfiguration, RegExp]>([
    ['a Python runtime', { runtime: lambda.Runtime.PYTHON_3_12 }, /runtime is python3.12; allowed: a Node.js runtime, nodejs20.x or later/],
    ['a Node.js runtime older than the bundle', { runtime: lambda.Runtime.NODEJS_18_X }, /runtime is nodejs18.x; allowed/],
    ['too little memory', { memorySize: 64 }, /memorySize is 64; allowed: a whole number of MB from 128 to 10240/],
    ['a fraction of a MB', { memorySize: 128.5 }, /memorySize is 128.5; allowed/],
    ['a retention that is no RetentionDays', { logRetention: 42 as logs.RetentionDays }, /logRetention is 42; allowed: a logs.RetentionDays value/],
    ['a log removal policy other than RETAIN or DESTROY', { logRemovalPolicy: RemovalPolicy.SNAPSHOT }, /logRemovalPolicy is RemovalPolicy\.SNAPSHOT; allowed: RemovalPolicy\.RETAIN, RemovalPolicy\.DESTROY/],
    ['subnets without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }, /vpcSubnets is given without vpc; allowed: vpcSubnets only with vpc/],
    ['security groups without a VPC', { securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678')] }, /securityGroups is given without vpc/],
  ])('%s', (_, handlerConfiguration, message) => {
    const error = errorOf(declare(handlerConfiguration));
    expect(error).toMatch(/^Invalid handlerConfiguration at Partner\d+\/Prefs: /);
    expect(error).toMatch(message);
  });

  test('the smallest and largest memory, and the oldest Node.js the bundle runs on, pass', () => {
    for (const memorySize of [128, 10240]) expect(declare({ memorySize, runtime: lambda.Runtime.NODEJS_20_X })).not.toThrow();
  });

  test('the monitor checks its configuration the same way', () => {
    const monitorStack = new Stack(new App(), 'Monitored');
    expect(() => new ConnectionPreferencesMonitor(monitorStack, 'Monitor', { handlerConfiguration: { memorySize: 64 } }))
      .toThrow(/Invalid handlerConfiguration at Monitored\/Monitor: memorySize is 64/);
  });
});

describe('the resources of one stack share one handler, so their configurations must agree', () => {
  const stackWithFirst = (handlerConfiguration?: HandlerConfiguration) => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferences(stack, 'First', { accessType: AccessType.DENY_ALL, handlerConfiguration });
    return stack;
  };
  const second = (stack: Stack, handlerConfiguration?: HandlerConfiguration) =>
    new ConnectionPreferences(stack, 'Second', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, handlerConfiguration });

  test('a different value fails, naming both resources, the setting and both values', () => {
    const stack = stackWithFirst({ memorySize: 512 });
    expect(errorOf(() => second(stack, { memorySize: 1024 }))).toBe('Invalid handlerConfiguration at Partner/Second: Partner/First and '
      + 'Partner/Second give different handlerConfiguration.memorySize (512 and 1024), and one handler function serves every '
      + 'ConnectionPreferences of a stack; give the same memorySize, or give it on Partner/First only');
  });

  test('a setting the first resource did not give fails, telling to give it on the first one', () => {
    const stack = stackWithFirst();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 });
    expect(errorOf(() => second(stack, { vpc }))).toMatch(new RegExp('Partner/Second gives handlerConfiguration.vpc, which Partner/First, '
      + 'the first ConnectionPreferences of the stack, does not give, and that one built the stack\'s handler function; give vpc on Partner/First'));
  });

  test('every disagreeing setting is named', () => {
    const stack = stackWithFirst({ memorySize: 512, logRetention: logs.RetentionDays.ONE_WEEK });
    const error = errorOf(() => second(stack, { memorySize: 1024, logRetention: logs.RetentionDays.ONE_MONTH, logRemovalPolicy: RemovalPolicy.DESTROY }));
    expect(error.match(/handlerConfiguration\.\w+/g)).toEqual(['handlerConfiguration.memorySize', 'handlerConfiguration.logRetention',
      'handlerConfiguration.logRemovalPolicy']);
  });

  test('constructs are compared by identity: two keys are two settings, even of one ARN', () => {
    const stack = new Stack(new App(), 'Partner');
    const [one, other] = ['One', 'Other'].map((id) => kms.Key.fromKeyArn(stack, id, 'arn:aws:kms:eu-west-1:111122223333:key/1'));
    new ConnectionPreferences(stack, 'First', { accessType: AccessType.DENY_ALL, handlerConfiguration: { environmentEncryption: one } });
    expect(errorOf(() => second(stack, { environmentEncryption: other })))
      .toMatch(/different handlerConfiguration.environmentEncryption \(Partner\/One and Partner\/Other\)/);
    expect(() => new ConnectionPreferences(stack, 'Third', {
      accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc', handlerConfiguration: { environmentEncryption: one },
    })).not.toThrow();
  });

  test('runtimes are compared by name, subnet selections by the subnets they select, security groups as a set', () => {
    const stack = new Stack(new App(), 'Partner');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    const [a, b] = ['A', 'B'].map((id) => new ec2.SecurityGroup(stack, id, { vpc }));
    new ConnectionPreferences(stack, 'First', {
      accessType: AccessType.DENY_ALL,
      handlerConfiguration: { runtime: lambda.Runtime.NODEJS_22_X, vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [a, b] },
    });
    expect(() => second(stack, {
      runtime: new lambda.Runtime('nodejs22.x', lambda.RuntimeFamily.NODEJS), vpc, vpcSubnets: { subnetGroupName: 'Private' }, securityGroups: [b, a],
    })).not.toThrow();
    expect(errorOf(() => new ConnectionPreferences(stack, 'Third', {
      accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc',
      handlerConfiguration: { runtime: lambda.Runtime.NODEJS_24_X, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC }, securityGroups: [a] },
    }))).toMatch(/handlerConfiguration.runtime \(nodejs22.x and nodejs24.x\)[\s\S]*handlerConfiguration.vpcSubnets[\s\S]*handlerConfiguration.securityGroups \(\[Partner\/A, Partner\/B\] and \[Partner\/A\]\)/);
  });

  test('resources in different stacks have different handlers, and may differ', () => {
    const app = new App();
    const [one, two] = ['One', 'Two'].map((name) => new Stack(app, name));
    new ConnectionPreferences(one, 'Prefs', { accessType: AccessType.DENY_ALL, handlerConfiguration: { memorySize: 512 } });
    expect(() => new ConnectionPreferences(two, 'Prefs', { accessType: AccessType.DENY_ALL, handlerConfiguration: { memorySize: 1024 } })).not.toThrow();
    Template.fromStack(two).hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 1024 });
  });
});

describe('warnings for a set-up that would fail at deploy or at run time', () => {
  test('a key this stack cannot change: what its key policy must allow, and no statement anywhere', () => {
    const app = new App();
    const keys = new Stack(app, 'Keys', { env: { account: '111122223333', region: 'eu-west-1' } });
    const stack = new Stack(app, 'Partner', { env: { account: '111122223333', region: 'eu-west-1' } });
    const ofAnotherStack = new kms.Key(keys, 'Shared');
    const imported = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1');
    new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL, handlerConfiguration: { logEncryptionKey: ofAnotherStack } });
    new ConnectionPreferencesMonitor(stack, 'Monitor', { handlerConfiguration: { logEncryptionKey: imported } });
    const warning = (path: string, key: string) => Match.stringLikeRegexp(`The log group ${path} is encrypted with the KMS key ${key}, whose `
      + 'key policy this stack does not change .* the log group fails to create: .*"kms:EncryptionContext:aws:logs:arn".*"Service":.*logs.eu-west-1');
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Partner/PartnerCentralConnectionPreferencesProvider', warning('Partner/PartnerCentralConnectionPreferencesProvider/Logs', 'Keys/Shared'));
    annotations.hasWarning('/Partner/Monitor', warning('Partner/Monitor/Logs', 'Partner/Imported'));
    // The other stack's key stays as it was: changing it would make the two stacks reference each other.
    expect(JSON.stringify(Template.fromStack(keys).toJSON())).not.toContain('logs.');
  });

  test('isolated subnets: the function cannot reach Partner Central; private subnets with egress give no warning', () => {
    const stack = new Stack(new App(), 'Partner');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    new ConnectionPreferences(stack, 'Prefs', {
      accessType: AccessType.DENY_ALL, handlerConfiguration: { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
    });
    new ConnectionPreferencesMonitor(stack, 'Monitor', { handlerConfiguration: { vpc } });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Partner/PartnerCentralConnectionPreferencesProvider', Match.stringLikeRegexp(
      'runs in isolated subnets of Partner/Vpc, which have no route out of the VPC, and Partner Central .* has no interface VPC endpoint'));
    annotations.hasNoWarning('/Partner/Monitor', Match.anyValue());
  });
});

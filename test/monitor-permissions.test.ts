import { App, Aws, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesProps, ConnectionPreferencesMonitor, MonitorMode } from '../lib';

const ROLE_A = 'arn:aws:iam::444455556666:role/PartnerCentral';
const ROLE_B = 'arn:aws:iam::111122223333:role/PartnerCentral';
const DENY_ALL = { accessType: AccessType.DENY_ALL };

/**
 * A stack with a monitor and ConnectionPreferences of every kind: one declared before the monitor, the others after
 * it. Two of the own account (AWS and Sandbox), and three through roles, one of them named twice (two catalogs).
 */
function everyKind(mode?: MonitorMode) {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferences(stack, 'ViaRoleA', { ...DENY_ALL, assumeRoleArn: ROLE_A });
  new ConnectionPreferencesMonitor(stack, 'Monitor', { mode });
  new ConnectionPreferences(stack, 'Own', DENY_ALL);
  new ConnectionPreferences(stack, 'OwnSandbox', { ...DENY_ALL, catalog: Catalog.SANDBOX });
  new ConnectionPreferences(stack, 'ViaRoleASandbox', { ...DENY_ALL, catalog: Catalog.SANDBOX, assumeRoleArn: ROLE_A });
  new ConnectionPreferences(stack, 'ViaRoleB', { ...DENY_ALL, assumeRoleArn: ROLE_B });
  return Template.fromStack(stack);
}

function monitoring(...declared: ConnectionPreferencesProps[]) {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferencesMonitor(stack, 'Monitor');
  declared.forEach((props, i) => new ConnectionPreferences(stack, `Prefs${i}`, props));
  return Template.fromStack(stack);
}

/** The statements of the monitor's own policy, the one its function's role has besides the provider's. */
function monitorStatements(template: Template): any[] {
  const [monitorFunction] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'monitor.handler' } }));
  const policies = Object.entries(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: monitorFunction.Properties.Role['Fn::GetAtt'][0] }] } }));
  expect(policies).toHaveLength(1);
  const [policyId, policy] = policies[0];
  // Its first run needs them.
  expect(monitorFunction.DependsOn).toContain(policyId);
  return policy.Properties.PolicyDocument.Statement;
}

const EVENTS_AND_OWN_STACK = [
  {
    Effect: 'Allow',
    Action: 'events:PutEvents',
    Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']] },
  },
  { Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'], Resource: { Ref: 'AWS::StackId' } },
];

describe('IAM of the monitor\'s function', () => {
  const report = everyKind();

  test('REPORT: reads the preferences of the own account\'s catalogs, assumes exactly the declared roles, sends events, reads its stack', () => {
    expect(monitorStatements(report)).toEqual([
      {
        Effect: 'Allow',
        Action: 'partnercentral:GetConnectionPreferences',
        Resource: '*',
        Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS', 'Sandbox'] } },
      },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ROLE_B, ROLE_A] },
      ...EVENTS_AND_OWN_STACK,
    ]);
  });

  test('RECONCILE: may also update them', () => {
    expect(monitorStatements(everyKind(MonitorMode.RECONCILE))[0]).toEqual({
      Effect: 'Allow',
      Action: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'],
      Resource: '*',
      Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS', 'Sandbox'] } },
    });
  });

  test('only roles: no Partner Central statement; only the own account: no AssumeRole', () => {
    expect(monitorStatements(monitoring({ ...DENY_ALL, assumeRoleArn: ROLE_A }))).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE_A },
      ...EVENTS_AND_OWN_STACK,
    ]);
    expect(monitorStatements(monitoring(DENY_ALL)).map((s) => s.Action)).toEqual([
      'partnercentral:GetConnectionPreferences', 'events:PutEvents', ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
    ]);
  });

  test('no wildcard action, no PutMetricData (metrics are log lines), and the provider\'s role gets none of the monitor\'s statements', () => {
    const statements = Object.values(report.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => typeof a !== 'string' || a.includes('*'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('cloudwatch:'))).toEqual([]);
    expect(actions.filter((a) => a === 'events:PutEvents' || a === 'cloudformation:GetTemplate')).toHaveLength(2);
  });
});

describe('what the monitor must be able to read of its stack\'s declarations', () => {
  function synthWith(declare: (stack: Stack) => ConnectionPreferencesProps[]) {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferencesMonitor(stack, 'Monitor');
    declare(stack).forEach((props, i) => new ConnectionPreferences(stack, `Prefs${i}`, props));
    return () => Template.fromStack(stack);
  }

  test('a role ARN from another resource\'s attribute fails the synth, naming the resource, the property and why', () => {
    const synth = synthWith((stack) => [{
      ...DENY_ALL, assumeRoleArn: new iam.Role(stack, 'Target', { assumedBy: new iam.AccountRootPrincipal() }).roleArn,
    }]);
    expect(synth).toThrow('The monitor cannot read the AssumeRoleArn of the ConnectionPreferences at Partner/Prefs0: it uses Fn::GetAtt, '
      + 'which only CloudFormation can resolve; the monitor resolves Ref (to a pseudo parameter or a stack parameter), Fn::Join, '
      + 'Fn::Sub, Fn::Select, Fn::Split. Declare AssumeRoleArn from literals, pseudo parameters (Aws.*) or the stack\'s parameters, '
      + 'or do not monitor this stack.');
  });

  test('an imported value, or a Ref to another resource, fails the synth too', () => {
    expect(synthWith(() => [{ ...DENY_ALL, assumeRoleArn: Fn.importValue('PartnerRoleArn') }]))
      .toThrow(/the AssumeRoleArn of the ConnectionPreferences at Partner\/Prefs0: it uses Fn::ImportValue/);
    expect(synthWith((stack) => [{ ...DENY_ALL, assumeRoleArn: ROLE_A, externalId: new s3.Bucket(stack, 'Bucket').bucketName }]))
      .toThrow(/the ExternalId of the ConnectionPreferences at Partner\/Prefs0: it uses Ref to Bucket\w+ \(another resource\)/);
  });

  test('pseudo parameters and the stack\'s parameters pass, of any type', () => {
    const synth = synthWith((stack) => [
      { ...DENY_ALL, assumeRoleArn: `arn:${Aws.PARTITION}:iam::123456789012:role/X` },
      { ...DENY_ALL, assumeRoleArn: new CfnParameter(stack, 'PartnerRoleArn').valueAsString, externalId: `${Aws.STACK_NAME}-x` },
      {
        accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME,
        excludedParticipantIdentifiers: new CfnParameter(stack, 'Excluded', { type: 'CommaDelimitedList' }).valueAsList,
      },
    ]);
    expect(synth).not.toThrow();
  });

  test('a monitor of a stack without ConnectionPreferences fails the synth: it watches nothing', () => {
    const app = new App();
    new ConnectionPreferences(new Stack(app, 'Other'), 'Prefs', DENY_ALL);
    const stack = new Stack(app, 'Partner');
    new ConnectionPreferencesMonitor(stack, 'Monitor');
    expect(() => Template.fromStack(stack)).toThrow('The ConnectionPreferencesMonitor at Partner/Monitor watches nothing: its stack Partner '
      + 'declares no ConnectionPreferences. Declare them in the same stack as the monitor, or remove the monitor.');
  });
});

import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, HandlerConfiguration, MonitorMode } from '../lib';

const ROLE_ARN = 'arn:aws:iam::444455556666:role/pc';
const ENI_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];

/** A stack whose resources use the role: RETAIN, DESTROY and a cross-account one, and a reconciling monitor. */
function stackWithRole(role: (stack: Stack) => iam.IRole, withVpc: boolean) {
  const app = new App();
  const stack = new Stack(app, 'Partner');
  const handlerConfiguration: HandlerConfiguration = { role: role(stack), ...withVpc && { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1 }) } };
  new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL, handlerConfiguration });
  new ConnectionPreferences(stack, 'Gone', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
  new ConnectionPreferences(stack, 'Other', { accessType: AccessType.DENY_ALL, assumeRoleArn: ROLE_ARN });
  new ConnectionPreferencesMonitor(stack, 'Monitor', { mode: MonitorMode.RECONCILE, handlerConfiguration });
  return { app, stack, handlerConfiguration };
}

const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('a role of the stack, given to the ConnectionPreferences and the monitor', () => {
  const { stack, handlerConfiguration } = stackWithRole((s) => new iam.Role(s, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }), true);
  const template = Template.fromStack(stack);
  const roleId = stack.getLogicalId(handlerConfiguration.role!.node.defaultChild as iam.CfnRole);
  const policies = template.findResources('AWS::IAM::Policy');
  const attachedToRole = Object.entries(policies).filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
  const functions = template.findResources('AWS::Lambda::Function');
  const idOf = (handler: string) => Object.keys(functions).find((id) => functions[id].Properties.Handler === handler)!;
  const statementsOf = (prefix: string) => attachedToRole.filter(([id]) => id.startsWith(prefix)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

  test('both functions run with it; the construct creates a role for the Provider framework only, and attaches no managed policy', () => {
    for (const handler of ['index.handler', 'monitor.handler']) expect(functions[idOf(handler)].Properties.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(Object.keys(template.findResources('AWS::IAM::Role')).sort()).toEqual([roleId, expect.stringMatching(/frameworkonEventServiceRole/)].sort());
    expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('it may write the two log groups, and no other', () => {
    const logs = [...statementsOf('PartnerCentralConnectionPreferencesProviderRolePolicy'), ...statementsOf('MonitorRolePolicy')]
      .filter((s) => JSON.stringify(s.Action).includes('logs:'));
    expect(logs.map((s) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents'], ['logs:CreateLogStream', 'logs:PutLogEvents']]);
    expect(logs.map((s) => s.Resource['Fn::GetAtt'][0]).sort()).toEqual(Object.keys(template.findResources('AWS::Logs::LogGroup')).sort());
    // Nothing lands in the role's own default policy, where an acknowledged finding would hide the user's.
    expect(attachedToRole.map(([id]) => id).filter((id) => id.startsWith('Given'))).toEqual([]);
  });

  test('the handler\'s statements are in policies of the construct attached to it, each waited for when it is needed', () => {
    const provider = 'PartnerCentralConnectionPreferencesProvider';
    expect(actionsOf(statementsOf(`${provider}RolePolicy`))).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents',
      'partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences', 'sts:AssumeRole']);
    expect(actionsOf(statementsOf(`${provider}NetworkPolicy`))).toEqual([...ENI_ACTIONS].sort());
    const [rolePolicy, networkPolicy] = ['RolePolicy', 'NetworkPolicy'].map((name) => attachedToRole.find(([id]) => id.startsWith(`${provider}${name}`))![0]);
    // Lambda checks the network permissions when it creates the function; the rest are needed when the framework invokes it.
    expect(functions[idOf('index.handler')].DependsOn).toContain(networkPolicy);
    expect(functions[idOf('index.handler')].DependsOn).not.toContain(rolePolicy);
    expect(functions[idOf('framework.onEvent')].DependsOn).toContain(rolePolicy);
  });

  test('a DESTROY resource\'s own policy attaches to it', () => {
    expect(actionsOf(statementsOf('GoneDeletePermissions'))).toEqual(['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources',
      'partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences']);
  });

  test('the monitor\'s statements attach to it too, and its function waits for them', () => {
    expect(actionsOf(statementsOf('MonitorPermissions')).filter((a) => a.startsWith('partnercentral:'))).toEqual([
      'partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences']);
    expect(actionsOf(statementsOf('MonitorNetworkPolicy'))).toEqual([...ENI_ACTIONS].sort());
    const monitorPolicies = attachedToRole.map(([id]) => id).filter((id) => id.startsWith('Monitor'));
    expect(monitorPolicies).toHaveLength(3);
    expect(functions[idOf('monitor.handler')].DependsOn).toEqual(expect.arrayContaining(monitorPolicies));
  });
});

test('without a VPC, a given role gets no network-interface permission', () => {
  const { stack } = stackWithRole((s) => new iam.Role(s, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }), false);
  expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('ec2:');
});

describe('an imported role that takes no statements fails the synth with the policy it must allow', () => {
  const { app } = stackWithRole((s) => iam.Role.fromRoleArn(s, 'Imported', 'arn:aws:iam::111122223333:role/lambda', { mutable: false }), true);
  let message = '';
  try {
    app.synth();
  } catch (e) {
    message = (e as Error).message;
  }
  const policyIn = (path: string) => {
    const start = message.indexOf(`The function ${path} would run with the role Partner/Imported (arn:aws:iam::111122223333:role/lambda)`);
    expect(start).toBeGreaterThanOrEqual(0);
    const json = message.slice(message.indexOf('{', start));
    return JSON.parse(json.slice(0, json.indexOf('\n}') + 2));
  };

  test('the handler\'s: its logs, the network interfaces, Partner Central for the declared catalogs, the roles, the DESTROY statements', () => {
    const policy = policyIn('Partner/PartnerCentralConnectionPreferencesProvider/Handler');
    expect(message).toMatch(/which does not take the construct's policies \(an imported, immutable role\), and it would fail at run time without them/);
    expect(actionsOf(policy.Statement)).toEqual([...ENI_ACTIONS, 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      'partnercentral:GetConnectionPreferences', 'partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences',
      'partnercentral:UpdateConnectionPreferences', 'sts:AssumeRole'].sort());
    expect(policy.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sts:AssumeRole', Resource: [ROLE_ARN] }),
      expect.objectContaining({ Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS'] } } }),
      expect.objectContaining({ Condition: { StringEquals: { 'partnercentral:Catalog': ['Sandbox'] } } }),
    ]));
  });

  test('the monitor\'s: its logs, the network interfaces, what it checks and reconciles', () => {
    const policy = policyIn('Partner/Monitor/Handler');
    expect(actionsOf(policy.Statement)).toEqual(expect.arrayContaining([...ENI_ACTIONS, 'logs:CreateLogStream', 'partnercentral:UpdateConnectionPreferences',
      'cloudformation:GetTemplate', 'sts:AssumeRole']));
  });
});

import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesProps } from '../lib';

const READ_OWN_STACK = {
  Effect: 'Allow', Action: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'], Resource: { Ref: 'AWS::StackId' },
};

function policiesOf(...declared: [string, Partial<ConnectionPreferencesProps>][]): Record<string, any> {
  const stack = new Stack(new App(), 'Partner');
  for (const [id, props] of declared) new ConnectionPreferences(stack, id, { accessType: AccessType.DENY_ALL, ...props });
  return Template.fromStack(stack).findResources('AWS::IAM::Policy');
}
const statementsOf = (policy: any): any[] => policy.Properties.PolicyDocument.Statement;
const cloudFormationStatements = (policies: Record<string, any>) =>
  Object.values(policies).flatMap(statementsOf).filter((s) => JSON.stringify(s.Action).includes('cloudformation:'));

describe('a DESTROY Delete may read its own stack, to tell a moved construct from a removed one and restore a rolled-back move', () => {
  test('its own policy allows exactly DescribeStacks, GetTemplate and ListStackResources on the stack\'s own ARN, beside the Partner Central statement', () => {
    const policies = policiesOf(['Prefs', { removalPolicy: RemovalPolicy.DESTROY, catalog: Catalog.SANDBOX }]);
    const [own] = Object.keys(policies).filter((id) => id.startsWith('PrefsDeletePermissions'));
    expect(statementsOf(policies[own])).toEqual([
      expect.objectContaining({ Action: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'] }),
      READ_OWN_STACK,
    ]);
    expect(cloudFormationStatements(policies)).toEqual([READ_OWN_STACK]);
  });

  test('with assumeRoleArn too: the stack is in the handler\'s account, so the handler\'s own role lists it', () => {
    const roleArn = 'arn:aws:iam::444455556666:role/pc';
    const policies = policiesOf(['Prefs', { removalPolicy: RemovalPolicy.DESTROY, assumeRoleArn: roleArn }]);
    const [own] = Object.keys(policies).filter((id) => id.startsWith('PrefsDeletePermissions'));
    expect(statementsOf(policies[own])).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }, READ_OWN_STACK]);
  });

  test('each DESTROY resource has it in its own policy, and the shared policy never has it', () => {
    const policies = policiesOf(
      ['Retained', {}],
      ['Aws', { removalPolicy: RemovalPolicy.DESTROY, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc' }],
      ['Sandbox', { removalPolicy: RemovalPolicy.DESTROY, catalog: Catalog.SANDBOX }],
    );
    const withIt = Object.keys(policies).filter((id) => statementsOf(policies[id]).some((s) => JSON.stringify(s.Action) === JSON.stringify(READ_OWN_STACK.Action)));
    expect(withIt.map((id) => id.replace(/DeletePermissions\w+$/, ''))).toEqual(['Aws', 'Sandbox']);
  });

  test('RETAIN resources get no CloudFormation permission at all', () => {
    const policies = policiesOf(['Own', {}], ['Sandbox', { catalog: Catalog.SANDBOX }], ['Role', { assumeRoleArn: 'arn:aws:iam::444455556666:role/pc' }]);
    expect(Object.keys(policies).length).toBeGreaterThan(0);
    expect(cloudFormationStatements(policies)).toEqual([]);
  });
});

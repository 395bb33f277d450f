import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor } from '../lib';

/**
 * Organizations that require a permissions boundary on every role apply it to the stack: it must reach each role the
 * construct creates, the Provider framework's included, or such an organization's SCP refuses the deploy.
 */
test('PermissionsBoundary.of(stack) reaches the handler\'s role, the Provider framework\'s and the monitor\'s', () => {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL });
  new ConnectionPreferences(stack, 'Gone', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
  new ConnectionPreferencesMonitor(stack, 'Monitor');
  const boundary = iam.ManagedPolicy.fromManagedPolicyName(stack, 'Boundary', 'partner-central-boundary');
  iam.PermissionsBoundary.of(stack).apply(boundary);

  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  expect(Object.keys(roles).sort()).toEqual([
    'MonitorHandlerServiceRole76ABAD62',
    'PartnerCentralConnectionPreferencesProviderHandlerServiceRole955C2023',
    'PartnerCentralConnectionPreferencesProviderframeworkonEventServiceRole6BDE3D19',
  ]);
  for (const role of Object.values(roles)) expect(role.Properties.PermissionsBoundary).toEqual(stack.resolve(boundary.managedPolicyArn));
});

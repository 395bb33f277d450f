import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessType, ConnectionPreferences, ConnectionPreferencesProps } from '../lib';

/**
 * Logical ids are part of the contract. A changed id makes CloudFormation create a new custom resource and delete
 * the old one: with DESTROY, that Delete resets the partner's live preferences to ALLOW_ALL; a renamed DESTROY
 * policy or handler role can leave that Delete without permissions. These are literal on purpose: a change to any
 * of them (a construct id, the permit hash, aws-cdk-lib's naming) must show in review as a change to this file.
 */
const PROVIDER = {
  PartnerCentralConnectionPreferencesProviderHandlerE95B12CA: 'AWS::Lambda::Function',
  PartnerCentralConnectionPreferencesProviderHandlerServiceRole955C2023: 'AWS::IAM::Role',
  PartnerCentralConnectionPreferencesProviderLogsE605D5E0: 'AWS::Logs::LogGroup',
  PartnerCentralConnectionPreferencesProviderframeworkonEventA351C5D6: 'AWS::Lambda::Function',
  PartnerCentralConnectionPreferencesProviderframeworkonEventServiceRole6BDE3D19: 'AWS::IAM::Role',
  PartnerCentralConnectionPreferencesProviderframeworkonEventServiceRoleDefaultPolicy1E6D658B: 'AWS::IAM::Policy',
};
/** Holds the shared statements: absent while every resource of the stack has DESTROY and so its own policy. */
const HANDLER_DEFAULT_POLICY = { PartnerCentralConnectionPreferencesProviderHandlerServiceRoleDefaultPolicy923EDAD4: 'AWS::IAM::Policy' };
const CUSTOM_RESOURCE = { Prefs79421420: 'Custom::PartnerCentralConnectionPreferences' };
const ROLE_ARN = 'arn:aws:iam::444455556666:role/PartnerCentralConnectionPreferences';

function logicalIdsOf(props: Partial<ConnectionPreferencesProps>): Record<string, string> {
  const stack = new Stack(new App(), 'Partner');
  new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL, ...props });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
  return Object.fromEntries(Object.entries(resources).map(([id, resource]) => [id, resource.Type]));
}

test.each<[string, Partial<ConnectionPreferencesProps>, Record<string, string>]>([
  ['RETAIN', {}, { ...CUSTOM_RESOURCE, ...PROVIDER, ...HANDLER_DEFAULT_POLICY }],
  ['DESTROY', { removalPolicy: RemovalPolicy.DESTROY }, {
    ...CUSTOM_RESOURCE, ...PROVIDER, PrefsDeletePermissionsba2f0e07A6FB04AE: 'AWS::IAM::Policy',
  }],
  ['assumeRoleArn, RETAIN', { assumeRoleArn: ROLE_ARN }, { ...CUSTOM_RESOURCE, ...PROVIDER, ...HANDLER_DEFAULT_POLICY }],
  ['assumeRoleArn, DESTROY', { assumeRoleArn: ROLE_ARN, removalPolicy: RemovalPolicy.DESTROY }, {
    ...CUSTOM_RESOURCE, ...PROVIDER, PrefsDeletePermissions4e4dfb3dB87013ED: 'AWS::IAM::Policy',
  }],
])('the logical ids of a stack with one ConnectionPreferences, %s', (_, props, expected) => {
  expect(logicalIdsOf(props)).toEqual(expected);
});

#!/usr/bin/env node
import * as path from 'path';
import { App, BootstraplessSynthesizer, CfnStackSet, Stack } from 'aws-cdk-lib';
import {
  ConnectionPreferences,
  ConnectionPreferencesAccessRole,
  ConnectionPreferencesAccessRoleProps,
  ConnectionPreferencesMonitor,
} from '../lib';
import { organizationConfig } from './partner-accounts';

/**
 * An organization rollout: a service-managed StackSet puts the access role into every account of some
 * organizational units (and into each account that joins them later), and a central stack manages the connection
 * preferences of the accounts listed in cdk.json through those roles, with a monitor that reports drift.
 *
 * Deploy order (the central stack depends on the StackSet's stack): the StackSet from the management account or a
 * delegated administrator, then the central stack. Settings: `partner-central.organization` in cdk.json.
 */

/** CloudFormation's limit for a TemplateBody passed inline; a larger template needs a TemplateURL in S3. */
const TEMPLATE_BODY_MAX_BYTES = 51_200;

const app = new App();
const config = organizationConfig(app);

// Named briefly: CloudFormation names its roles `<stack name>-<logical id>-<suffix>` within IAM's 64 characters,
// and the access role trusts `<stack name>-*`, the handler's role and the monitor's.
const central = new Stack(app, 'OrganizationPreferences', {
  env: { account: config.centralAccount, region: config.region },
  description: 'Partner Central connection preferences of the organization\'s accounts, managed through their access roles',
});
const templateBody = accessRoleTemplateBody(app, {
  centralAccount: config.centralAccount,
  trustedPrincipalArns: [`arn:aws:iam::${config.centralAccount}:role/${central.stackName}-*`],
});

// Service-managed StackSets run from the management account, or from a delegated administrator that says so.
const administrator = config.delegatedAdministratorAccount ?? config.managementAccount;
const rollout = new Stack(app, 'ConnectionPreferencesAccessRoles', {
  env: { account: administrator, region: config.region },
  description: 'Deploys the Partner Central connection preferences access role to the organization\'s accounts',
});
new CfnStackSet(rollout, 'AccessRoles', {
  stackSetName: 'PartnerCentralConnectionPreferencesAccessRole',
  description: `The role through which ${central.stackName} in ${config.centralAccount} manages Partner Central connection preferences`,
  permissionModel: 'SERVICE_MANAGED',
  callAs: config.delegatedAdministratorAccount === undefined ? 'SELF' : 'DELEGATED_ADMIN',
  // Accounts that join the units get the role; an account that leaves loses it, rather than keep a trust it no longer needs.
  autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
  capabilities: ['CAPABILITY_NAMED_IAM'],
  // Every account at once, and stop at the first failure (a role of that name already there, say), so it is seen:
  // SOFT_FAILURE_TOLERANCE keeps the concurrency when the tolerance is 0, which STRICT would lower to one account.
  operationPreferences: { concurrencyMode: 'SOFT_FAILURE_TOLERANCE', maxConcurrentPercentage: 100, failureToleranceCount: 0 },
  // One region: IAM is global, and a second region would create the same named role again in each account.
  stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: config.organizationalUnitIds }, regions: [config.region] }],
  templateBody,
});
central.addStackDependency(rollout, 'the central stack assumes the access roles that the StackSet creates');

for (const account of config.accounts) {
  new ConnectionPreferences(central, account.name, {
    accessType: account.accessType,
    excludedParticipantIdentifiers: account.excludedParticipantIdentifiers,
    assumeRoleArn: ConnectionPreferencesAccessRole.roleArnOf(account.account),
  });
}
// REPORT mode only reads; the access roles' trust of `<stack name>-*` covers its role too.
new ConnectionPreferencesMonitor(central, 'Monitor');

/**
 * The access role's stack as a StackSet's TemplateBody. A StackSet takes a template, not a stack, so the role's stack
 * is synthesized in an app of its own, into a folder of this app's assembly (where it can be read). Bootstrapless:
 * the StackSet's accounts are not bootstrapped, the template needs no BootstrapVersion parameter and rule, and this
 * synthesizer fails the synth if an asset (which a TemplateBody could not carry) is ever added.
 */
function accessRoleTemplateBody(scope: App, props: ConnectionPreferencesAccessRoleProps): string {
  // autoSynth off: under the CDK CLI an app synthesizes itself again on exit, and only this app's synth should.
  // No path metadata, which the CLI turns on: the template is the same however this app is synthesized.
  const roleApp = new App({
    outdir: path.join(scope.outdir, 'access-role'),
    autoSynth: false,
    analyticsReporting: false,
    postCliContext: { 'aws:cdk:enable-path-metadata': false },
  });
  const stack = new Stack(roleApp, 'ConnectionPreferencesAccessRole', {
    synthesizer: new BootstraplessSynthesizer(),
    description: 'The role through which a central stack manages this account\'s Partner Central connection preferences',
  });
  new ConnectionPreferencesAccessRole(stack, 'AccessRole', props);
  const body = JSON.stringify(roleApp.synth().getStackByName(stack.stackName).template);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > TEMPLATE_BODY_MAX_BYTES) {
    throw new Error(`The access role's template takes ${bytes} bytes, over CloudFormation's ${TEMPLATE_BODY_MAX_BYTES} for a TemplateBody: `
      + 'trust fewer principals, or upload the template and pass a TemplateURL instead');
  }
  return body;
}

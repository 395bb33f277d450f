#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import { ConnectionPreferences, ConnectionPreferencesAccessRole } from '../lib';
import { partnerAccountsConfig } from './partner-accounts';

/**
 * A central account manages the connection preferences of several partner accounts through a role in each:
 * one stack in the central account, and in every partner account a stack with the role it assumes.
 * Deploy the role stacks first.
 */
const app = new App();
const config = partnerAccountsConfig(app);
const central = new Stack(app, 'CentralConnectionPreferences', { env: { account: config.centralAccount, region: config.region } });
// CloudFormation names the central stack's roles `<stack name>-<logical id>-<suffix>`: this trusts its handler's
// role (and a monitor's, if one is added), not every principal of the central account.
const centralStackRoles = `arn:aws:iam::${config.centralAccount}:role/${central.stackName}-*`;

for (const partner of config.partners) {
  const roleStack = new Stack(app, `${partner.name}ConnectionPreferencesRole`, { env: { account: partner.account, region: config.region } });
  // Its id 'Role' keeps the logical id of the iam.Role this example used to write by hand: updated in place.
  new ConnectionPreferencesAccessRole(roleStack, 'Role', {
    centralAccount: config.centralAccount,
    trustedPrincipalArns: [centralStackRoles],
    externalId: config.externalId,
  });

  new ConnectionPreferences(central, partner.name, {
    accessType: partner.accessType,
    excludedParticipantIdentifiers: partner.excludedParticipantIdentifiers,
    assumeRoleArn: ConnectionPreferencesAccessRole.roleArnOf(partner.account),
    externalId: config.externalId,
  });
}

#!/usr/bin/env node
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Catalog, ConnectionPreferences } from '../lib';
import { partnerAccountsConfig } from './partner-accounts';

/**
 * A central account manages the connection preferences of several partner accounts through a role in each:
 * one stack in the central account, and in every partner account a stack with the role it assumes.
 * Deploy the role stacks first.
 */
const ROLE_NAME = 'PartnerCentralConnectionPreferences';

const app = new App();
const config = partnerAccountsConfig(app);
const central = new Stack(app, 'CentralConnectionPreferences', { env: { account: config.centralAccount, region: config.region } });

for (const partner of config.partners) {
  const roleStack = new Stack(app, `${partner.name}ConnectionPreferencesRole`, { env: { account: partner.account, region: config.region } });
  new iam.Role(roleStack, 'Role', {
    roleName: ROLE_NAME,
    description: `Lets ${central.stackName} in ${config.centralAccount} manage Partner Central connection preferences`,
    assumedBy: new iam.AccountPrincipal(config.centralAccount).withConditions({ StringEquals: { 'sts:ExternalId': config.externalId } }),
    inlinePolicies: { ConnectionPreferences: new iam.PolicyDocument({ statements: [ConnectionPreferences.policyStatement([Catalog.AWS])] }) },
  });

  new ConnectionPreferences(central, partner.name, {
    accessType: partner.accessType,
    excludedParticipantIdentifiers: partner.excludedParticipantIdentifiers,
    assumeRoleArn: `arn:aws:iam::${partner.account}:role/${ROLE_NAME}`,
    externalId: config.externalId,
  });
}

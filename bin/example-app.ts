#!/usr/bin/env node
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { AccessType, ConnectionPreferences, ConnectionPreferencesMonitor } from '../lib';

/** The example app of cdk.json: one partner account's connection preferences, declared in code. */
const app = new App();
const stack = new Stack(app, 'PartnerConnectionPreferences', {
  description: 'Partner Central connection preferences of this account, managed as code',
});
// `-c accessType=DENY_ALL` on the command line (or in cdk.json) declares another access type.
const accessType: AccessType = app.node.tryGetContext('accessType') ?? AccessType.ALLOW_BY_DEFAULT_DENY_SOME;
const preferences = new ConnectionPreferences(stack, 'ConnectionPreferences', {
  accessType,
  ...(accessType === AccessType.ALLOW_BY_DEFAULT_DENY_SOME && { excludedParticipantIdentifiers: ['111122223333'] }),
});
// Checks once a day that nobody changed them outside the stack: 'connection-preferences check --local' runs it now.
new ConnectionPreferencesMonitor(stack, 'Monitor');
new CfnOutput(stack, 'Revision', { value: preferences.attrRevision });
new CfnOutput(stack, 'AccessType', { value: preferences.attrAccessType });

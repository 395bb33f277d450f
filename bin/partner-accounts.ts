import { App } from 'aws-cdk-lib';
import { AccessType } from '../lib';

/** One partner account and the preferences it should have. */
export interface PartnerAccount {
  readonly name: string;
  readonly account: string;
  readonly accessType: AccessType;
  readonly excludedParticipantIdentifiers?: string[];
}

/** The multi-account examples' settings, from the `partner-central` entry of cdk.json's context. */
export interface PartnerAccountsConfig {
  readonly region: string;
  /** The account that runs the pipeline, or that manages the partner accounts through roles. */
  readonly centralAccount: string;
  readonly repository: string;
  readonly connectionArn: string;
  readonly externalId: string;
  readonly partners: PartnerAccount[];
}

export function partnerAccountsConfig(app: App): PartnerAccountsConfig {
  const config = app.node.tryGetContext('partner-central');
  if (!config?.partners?.length) {
    throw new Error('cdk.json\'s context needs "partner-central" with "partners": [{ "name", "account", "accessType" }, ...]');
  }
  return config;
}

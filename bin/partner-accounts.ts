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

/** The organization rollout's settings: `partner-central.organization`, with `region` and `centralAccount` beside it. */
export interface OrganizationConfig {
  readonly region: string;
  /** The account of the central stack, which manages the accounts through their access roles. */
  readonly centralAccount: string;
  /** The organization's management account: the StackSet's account unless there is a delegated administrator. */
  readonly managementAccount: string;
  /** A member account registered as a delegated administrator for CloudFormation StackSets, to hold the StackSet. */
  readonly delegatedAdministratorAccount?: string;
  /** The organizational units (or the root, r-…) whose accounts get the access role, now and when they join. */
  readonly organizationalUnitIds: string[];
  /** The accounts of those units whose preferences the central stack manages. */
  readonly accounts: PartnerAccount[];
}

const ACCOUNT = /^\d{12}$/;
/** Organizations' own patterns for an OU id and a root id. */
const ORGANIZATIONAL_UNIT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/** Reads and checks the organization settings, naming every wrong value and what is allowed. */
export function organizationConfig(app: App): OrganizationConfig {
  const central = app.node.tryGetContext('partner-central') ?? {};
  const organization = central.organization;
  const shape = 'cdk.json\'s context needs "partner-central" with "region", "centralAccount" and "organization": { "managementAccount", '
    + '"organizationalUnitIds": ["ou-…"], "accounts": [{ "name", "account", "accessType" }, ...] }';
  if (typeof organization !== 'object' || organization === null) throw new Error(shape);

  const problems: string[] = [];
  const account = (name: string, value: unknown) => {
    if (typeof value !== 'string' || !ACCOUNT.test(value)) problems.push(`${name} is ${JSON.stringify(value)}; allowed: a 12-digit account id`);
  };
  if (typeof central.region !== 'string' || central.region === '') problems.push(`region is ${JSON.stringify(central.region)}; allowed: a region, such as us-east-1`);
  account('centralAccount', central.centralAccount);
  account('organization.managementAccount', organization.managementAccount);
  if (organization.delegatedAdministratorAccount !== undefined) account('organization.delegatedAdministratorAccount', organization.delegatedAdministratorAccount);
  const units = organization.organizationalUnitIds;
  if (!Array.isArray(units) || units.length === 0 || units.some((u) => typeof u !== 'string' || !ORGANIZATIONAL_UNIT.test(u))) {
    problems.push(`organization.organizationalUnitIds is ${JSON.stringify(units)}; allowed: a non-empty list of OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)`);
  }
  // accessType and exclusions are checked by ConnectionPreferences itself, with the same messages as everywhere.
  const accounts = organization.accounts;
  if (!Array.isArray(accounts) || accounts.length === 0) {
    problems.push(`organization.accounts is ${JSON.stringify(accounts)}; allowed: a non-empty list of { "name", "account", "accessType" }`);
  } else {
    accounts.forEach((a: any, i: number) => {
      account(`organization.accounts[${i}].account`, a?.account);
      if (typeof a?.name !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(a.name)) {
        problems.push(`organization.accounts[${i}].name is ${JSON.stringify(a?.name)}; allowed: letters and digits, starting with a letter (it becomes a construct id)`);
      }
    });
  }
  if (problems.length > 0) throw new Error(`Invalid "partner-central" context in cdk.json: ${problems.join('; ')}`);
  return { region: central.region, centralAccount: central.centralAccount, ...organization };
}

import { CustomResource } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConnectionPreferencesProvider } from './connection-preferences-provider';
import {
  ConnectionPreferencesResourceAttributes,
  ConnectionPreferencesResourceProperties,
  RESOURCE_TYPE,
} from './resource-properties';

/** Who may send the partner account connection requests. Values are the API's own strings. */
export enum AccessType {
  /** Any participant may send connection requests. */
  ALLOW_ALL = 'ALLOW_ALL',
  /** No participant may send connection requests. */
  DENY_ALL = 'DENY_ALL',
  /** Any participant may send connection requests, except those in `excludedParticipantIdentifiers`. */
  ALLOW_BY_DEFAULT_DENY_SOME = 'ALLOW_BY_DEFAULT_DENY_SOME',
}

/** The Partner Central catalog whose preferences are managed. Values are the API's own strings. */
export enum Catalog {
  /** The production catalog. */
  AWS = 'AWS',
  /** The testing catalog. */
  SANDBOX = 'Sandbox',
}

/** Properties of a {@link ConnectionPreferences}. */
export interface ConnectionPreferencesProps {
  /** Who may send the account connection requests. */
  readonly accessType: AccessType;

  /**
   * The catalog whose preferences are managed.
   *
   * @default Catalog.AWS
   */
  readonly catalog?: Catalog;

  /**
   * Participants that may not send connection requests: partner profile ids or 12-digit AWS account ids,
   * at most 100, each 1-100 characters of letters, digits and hyphens. The order does not matter.
   *
   * @default - no participant is excluded
   */
  readonly excludedParticipantIdentifiers?: string[];
}

/**
 * The connection preferences of the Partner Central account the stack deploys to, for one catalog.
 *
 * Create and Update read the live preferences and, when they differ from these, write these with the live
 * revision, retrying on revision conflicts. Delete leaves the preferences as they are.
 */
export class ConnectionPreferences extends Construct {
  /** The ARN of the connection preferences, which names the account and catalog. */
  readonly attrArn: string;
  /** The revision after the last deploy, as a string. */
  readonly attrRevision: string;
  /** When the preferences last changed (ISO-8601), as the service reports it. */
  readonly attrUpdatedAt: string;
  /** The access type after the last deploy. */
  readonly attrAccessType: string;
  /** The excluded participant identifiers after the last deploy, comma-separated; empty when there are none. */
  readonly attrExcludedParticipantIds: string;

  constructor(scope: Construct, id: string, props: ConnectionPreferencesProps) {
    super(scope, id);
    const catalog = props.catalog ?? Catalog.AWS;
    const provider = ConnectionPreferencesProvider.of(this);
    provider.allowCatalog(catalog);

    const exclusions = props.excludedParticipantIdentifiers ?? [];
    const properties: ConnectionPreferencesResourceProperties = {
      Catalog: catalog,
      AccessType: props.accessType,
      ...(exclusions.length > 0 && { ExcludedParticipantIdentifiers: exclusions }),
    };
    const resource = new CustomResource(this, 'Resource', {
      resourceType: RESOURCE_TYPE,
      serviceToken: provider.serviceToken,
      properties,
    });
    // The log groups must exist before the first invocation, or Lambda creates one without retention.
    resource.node.addDependency(provider);

    const attribute = (name: keyof ConnectionPreferencesResourceAttributes) => resource.getAttString(name);
    this.attrArn = attribute('Arn');
    this.attrRevision = attribute('Revision');
    this.attrUpdatedAt = attribute('UpdatedAt');
    this.attrAccessType = attribute('AccessType');
    this.attrExcludedParticipantIds = attribute('ExcludedParticipantIds');
  }
}

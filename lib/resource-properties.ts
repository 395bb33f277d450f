/**
 * The contract between the construct and its handler. The construct builds the custom resource's properties
 * as this type and the handler reads its events as this type, so renaming a property is a compile error on
 * both sides instead of a failed deploy.
 */

/** The CloudFormation resource type of every ConnectionPreferences. */
export const RESOURCE_TYPE = 'Custom::PartnerCentralConnectionPreferences';

/**
 * The custom resource's properties, as CloudFormation passes them to the handler (all values are strings).
 * The handler accepts every set an earlier version wrote: fields added later are optional.
 */
export interface ConnectionPreferencesResourceProperties {
  readonly Catalog: string;
  readonly AccessType: string;
  /** Omitted when there are none. */
  readonly ExcludedParticipantIdentifiers?: string[];
  /** `retain` or `destroy`. Added in 0.2.0; absent means `retain`. */
  readonly RemovalPolicy?: string;
  /** `overwrite` or `fail`. Added in 0.2.0; absent means `overwrite`. */
  readonly DriftPolicy?: string;
  /** The role to assume in the target account. Added in 0.2.0; absent means the handler's own account. */
  readonly AssumeRoleArn?: string;
  readonly ExternalId?: string;
}

/**
 * The most bytes `ExcludedParticipantIds` may take in a response. CloudFormation refuses a custom resource response
 * over 4,096 bytes ("Response object is too long.") after the handler's write has landed; with this budget the
 * whole SUCCESS body, at the longest stack id, logical id and ARN, stays under that limit.
 */
export const EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES = 2048;

/** The attributes the handler returns, readable with Fn::GetAtt. Names follow the withdrawn AWS resource schema. */
export interface ConnectionPreferencesResourceAttributes {
  readonly Arn: string;
  readonly Revision: string;
  readonly UpdatedAt: string;
  readonly AccessType: string;
  /**
   * Comma-separated, in the order the service returns them; empty when there are none. Present only while it takes
   * at most EXCLUDED_IDS_ATTRIBUTE_MAX_BYTES: never cut into something that looks like a whole list.
   */
  readonly ExcludedParticipantIds?: string;
  /** How many participants are excluded, in decimal. Always present. */
  readonly ExcludedParticipantCount: string;
  /** SHA-256, in hex, of the identifiers sorted and joined with commas (of the empty string when none). Always present. */
  readonly ExcludedParticipantIdsSha256: string;
}

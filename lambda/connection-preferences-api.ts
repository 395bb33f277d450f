import {
  GetConnectionPreferencesCommand,
  PartnerCentralAccountClient,
  UpdateConnectionPreferencesCommand,
  type AccessType,
  type GetConnectionPreferencesResponse,
} from '@aws-sdk/client-partnercentral-account';

/**
 * AWS documents the Partner Central API in us-east-1 only, while the endpoint rules would build a host for any
 * region: the client is pinned there whatever region the stack (and so the Lambda's AWS_REGION) is in.
 */
export const PARTNER_CENTRAL_REGION = 'us-east-1';

/** The connection preferences a stack declares for one catalog. */
export interface DesiredPreferences {
  readonly catalog: string;
  readonly accessType: string;
  readonly excludedParticipantIds: readonly string[];
}

/** The connection preferences as the service holds them. */
export interface LivePreferences extends DesiredPreferences {
  readonly arn: string;
  readonly revision: number;
  readonly updatedAt: string;
}

/**
 * The two calls the handler makes. Credentials, endpoint overrides (AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT) and
 * retries of throttling and 5xx all come from the SDK's standard configuration.
 */
export class ConnectionPreferencesApi {
  constructor(private readonly client = new PartnerCentralAccountClient({ region: PARTNER_CENTRAL_REGION })) {}

  async read(catalog: string): Promise<LivePreferences> {
    return toLive(await this.client.send(new GetConnectionPreferencesCommand({ Catalog: catalog })));
  }

  /** A compare-and-set: fails with ConflictException when `revision` is no longer the live one. */
  async write(desired: DesiredPreferences, revision: number): Promise<LivePreferences> {
    return toLive(await this.client.send(new UpdateConnectionPreferencesCommand({
      Catalog: desired.catalog,
      Revision: revision,
      AccessType: desired.accessType as AccessType,
      ExcludedParticipantIdentifiers: [...desired.excludedParticipantIds],
    })));
  }
}

function toLive(response: GetConnectionPreferencesResponse): LivePreferences {
  return {
    arn: response.Arn!,
    catalog: response.Catalog!,
    accessType: response.AccessType!,
    excludedParticipantIds: response.ExcludedParticipantIds ?? [],
    revision: response.Revision!,
    updatedAt: response.UpdatedAt!.toISOString(),
  };
}

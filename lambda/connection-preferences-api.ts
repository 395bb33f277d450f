import {
  AccessDeniedException,
  ConflictException,
  GetConnectionPreferencesCommand,
  PartnerCentralAccountClient,
  UpdateConnectionPreferencesCommand,
  ValidationException,
  type AccessType,
  type GetConnectionPreferencesCommandOutput,
} from '@aws-sdk/client-partnercentral-account';
import { SERVICE_TEXT, shorten, summarise } from '../lib/summary';
import { callWithinDeadline, DeadlineError } from './deadline';
import { ExplainedError } from './failure';
import type { Log } from './log';

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

/** Temporary credentials of an assumed role, in the shape the SDK takes. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface ApiOptions {
  readonly log: Log;
  /** Epoch milliseconds by which every call must have ended. */
  readonly deadline: number;
  /** Credentials of an assumed role; the SDK's default credential chain otherwise. */
  readonly credentials?: Credentials;
  /** Who the calls act as, for error messages: the handler's role or the assumed role. */
  readonly principal: string;
}

/**
 * The two calls the handler makes, each logged and bounded by the deadline. Endpoint overrides
 * (AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT) and retries of throttling, 5xx and dropped connections come from the
 * SDK's standard configuration. Errors other than a revision conflict become messages a person can act on, which
 * show the start of the service's text and the first of its details.
 */
export class ConnectionPreferencesApi {
  private readonly client: PartnerCentralAccountClient;

  constructor(private readonly options: ApiOptions) {
    this.client = new PartnerCentralAccountClient({
      region: PARTNER_CENTRAL_REGION,
      credentials: options.credentials,
      // A stalled connection is cut and retried by the SDK instead of waiting for the deadline.
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    });
  }

  /** `attempt` is the caller's read-compare-write round, for the log. */
  async read(catalog: string, attempt: number): Promise<LivePreferences> {
    return toLive(await this.call('GetConnectionPreferences', catalog, attempt, (abortSignal) =>
      this.client.send(new GetConnectionPreferencesCommand({ Catalog: catalog }), { abortSignal })));
  }

  /** A compare-and-set: throws ConflictException when `revision` is no longer the live one. */
  async write(desired: DesiredPreferences, revision: number, attempt: number): Promise<LivePreferences> {
    return toLive(await this.call('UpdateConnectionPreferences', desired.catalog, attempt, (abortSignal) =>
      this.client.send(new UpdateConnectionPreferencesCommand({
        Catalog: desired.catalog,
        Revision: revision,
        AccessType: desired.accessType as AccessType,
        ExcludedParticipantIdentifiers: [...desired.excludedParticipantIds],
      }), { abortSignal }), revision));
  }

  /** One SDK call, logged with the revision it read or wrote from (a write also logs the revision it made). */
  private async call(
    operation: string,
    catalog: string,
    attempt: number,
    send: (abortSignal: AbortSignal) => Promise<GetConnectionPreferencesCommandOutput>,
    revision?: number,
  ): Promise<GetConnectionPreferencesCommandOutput> {
    const started = Date.now();
    try {
      const response = await callWithinDeadline(operation, this.options.deadline, send);
      this.options.log('api call', {
        operation, catalog, attempt, revision: revision ?? response.Revision, outcome: 'ok',
        ...(revision !== undefined && { newRevision: response.Revision }),
        httpAttempts: response.$metadata.attempts, durationMs: Date.now() - started,
      });
      return response;
    } catch (e: any) {
      this.options.log('api call', {
        operation, catalog, attempt, revision, outcome: e.name, reason: e.Reason, httpStatus: e.$metadata?.httpStatusCode,
        httpAttempts: e.$metadata?.attempts, durationMs: Date.now() - started,
      });
      if (e instanceof ConflictException) throw e;
      throw new ExplainedError(this.explain(operation, catalog, e), { cause: e });
    }
  }

  private explain(operation: string, catalog: string, e: any): string {
    if (e instanceof DeadlineError) return `Partner Central ${e.message}`;
    if (e instanceof AccessDeniedException) {
      return `Partner Central denied ${operation} for the ${catalog} catalog to ${shorten(this.options.principal)} (${e.Reason}): `
        + `${shorten(e.message, SERVICE_TEXT)}. `
        + `That role needs partnercentral:${operation} with partnercentral:Catalog ${catalog}, and its account must be linked to Partner Central.`;
    }
    if (e instanceof ValidationException) {
      const details = (e.ErrorDetails ?? []).map((d) => shorten(d.FieldValidationError
        ? `${d.FieldValidationError.Name}: ${d.FieldValidationError.Code} (${d.FieldValidationError.Message})`
        : `${d.BusinessValidationError?.Code} (${d.BusinessValidationError?.Message})`, SERVICE_TEXT));
      return `Partner Central rejected ${operation} for the ${catalog} catalog (${e.Reason}): `
        + `${details.length > 0 ? summarise(details, '; ') : shorten(e.message, SERVICE_TEXT)}`;
    }
    const attempts = e.$metadata?.attempts ? ` after ${e.$metadata.attempts} attempts` : '';
    return `Partner Central ${operation} for the ${catalog} catalog failed${attempts}: ${e.name}: ${shorten(String(e.message), SERVICE_TEXT)}`;
  }
}

function toLive(response: GetConnectionPreferencesCommandOutput): LivePreferences {
  return {
    arn: response.Arn!,
    catalog: response.Catalog!,
    accessType: response.AccessType!,
    excludedParticipantIds: response.ExcludedParticipantIds ?? [],
    revision: response.Revision!,
    updatedAt: response.UpdatedAt!.toISOString(),
  };
}

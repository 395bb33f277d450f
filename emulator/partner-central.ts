import { randomUUID } from 'crypto';
import { ApiError, AwsReply, AwsRequest, EmulatedService, parseJson, sleep } from './aws-protocol';
import { FieldValidationError, SmithyModel } from './smithy-model';

/** The stored part of a connection-preferences document. */
export interface Preferences {
  readonly AccessType: string;
  readonly ExcludedParticipantIds: string[];
}

/** Settings for what AWS does not document, so the handler can be tested against every plausible variant. */
export interface EmulatorSettings {
  /** The preferences of an account and catalog before anyone wrote them. */
  initialPreferences: Preferences;
  /** The revision of an account and catalog before anyone wrote them. */
  initialRevision: number;
  /** What the service does with exclusions sent with ALLOW_ALL or DENY_ALL: store them, drop them, or refuse the write. */
  exclusionsWithoutDenySome: 'accept' | 'ignore' | 'reject';
  /** The catalogs the service knows; any other catalog is a ValidationException. */
  catalogs: string[];
  /** Milliseconds added before every API response, of every service the emulator serves. */
  latencyMs: number;
  /** The order in which stored identifiers are returned: as written, sorted, or reversed. */
  exclusionOrder: 'as-written' | 'sorted' | 'reversed';
  /** External ids that roles' trust policies require, by role ARN; other roles need none. */
  roleExternalIds: Record<string, string>;
  /**
   * Whether the service normalises the letter case of participant identifiers: with `lower` or `upper` it stores,
   * and so returns, every excluded identifier in that case, whoever writes it.
   */
  identifierCase: 'as-written' | 'lower' | 'upper';
  /**
   * The template CloudFormation's GetTemplate and DescribeStacks answer while a failed update's rollback deletes what
   * the update created (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS): the failed update's, or the previous one that
   * the stack is rolled back to. AWS documents neither.
   */
  rollbackCleanupTemplate: 'attempted' | 'previous';
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  initialPreferences: { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] },
  initialRevision: 0,
  exclusionsWithoutDenySome: 'accept',
  catalogs: ['AWS', 'Sandbox'],
  latencyMs: 0,
  exclusionOrder: 'as-written',
  roleExternalIds: {},
  identifierCase: 'as-written',
  rollbackCleanupTemplate: 'attempted',
};

export type Operation = 'GetConnectionPreferences' | 'UpdateConnectionPreferences';
const OPERATIONS: readonly string[] = ['GetConnectionPreferences', 'UpdateConnectionPreferences'];

/**
 * A fault for the next `count` calls (of `operation` and `catalog`, or of any):
 * - `throttle`: answer ThrottlingException (429);
 * - `internal-error`: answer InternalServerException (500);
 * - `reset`: drop the connection without an answer, before the call takes effect;
 * - `lose-answer`: let the call take effect (a write lands), then drop the connection without its answer, as a reply
 *   lost on the network: a retried write then meets a stale revision;
 * - `latency`: answer normally after `delayMs`;
 * - `access-denied`: answer AccessDeniedException (403) with `reason`;
 * - `validation`: answer ValidationException (400) with a business validation error `code`;
 * - `competing-write`: answer the read, then let another writer change the document, so the reader's revision is stale.
 */
export interface Fault {
  kind: 'throttle' | 'internal-error' | 'reset' | 'lose-answer' | 'latency' | 'access-denied' | 'validation' | 'competing-write';
  count: number;
  operation?: Operation;
  /** Only calls for this catalog. */
  catalog?: string;
  /** Hit one matching call in `every` (2: every other call). @default 1 */
  every?: number;
  /** For `latency`. */
  delayMs?: number;
  /** For `access-denied`. @default ACCESS_DENIED */
  reason?: string;
  /** For `validation`. @default INVALID_ACCOUNT_LINKING_STATUS */
  code?: string;
  /** What the competing writer writes. @default DENY_ALL with no exclusions */
  competingPreferences?: Preferences;
}

/** One successful change of a document, by the API or by a simulated other writer. */
export interface RecordedWrite extends Preferences {
  account: string;
  catalog: string;
  revision: number;
  by: 'api' | 'competitor' | 'outside';
}

export interface StoredDocument extends Preferences {
  Revision: number;
  UpdatedAt: string;
}

const ARN_REGION = 'us-east-1';

/**
 * The Partner Central Account API's connection-preferences operations: awsJson1_0, requests validated against the
 * service model, compare-and-set on Revision, one document per account and catalog.
 */
export class PartnerCentralService implements EmulatedService {
  readonly settings: EmulatorSettings;
  readonly writes: RecordedWrite[] = [];
  readonly documents = new Map<string, StoredDocument>();
  private readonly model = SmithyModel.load();
  private faults: (Fault & { seen: number })[] = [];

  constructor(settings: Partial<EmulatorSettings>, private readonly onChange: () => void) {
    // A deep copy: tests change one emulator's settings without touching the defaults of the next.
    this.settings = { ...structuredClone(DEFAULT_SETTINGS), ...settings };
  }

  get pendingFaults(): readonly Fault[] {
    return this.faults;
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, seen: 0 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  reset(): void {
    this.documents.clear();
    this.writes.length = 0;
    this.clearFaults();
  }

  /** The document of an account and catalog, as the API would return it. */
  preferences(account: string, catalog: string): StoredDocument & { Arn: string; Catalog: string } {
    return this.present(account, catalog, this.document(account, catalog));
  }

  /** A change made outside the API under test (the console, another tool): it bumps the revision. */
  writeOutside(account: string, catalog: string, preferences: Preferences): void {
    this.store(account, catalog, preferences, 'outside');
  }

  async handle({ headers, body, call }: AwsRequest): Promise<AwsReply> {
    const target = String(headers['x-amz-target'] ?? '');
    const [service, operation] = target.split('.');
    call.operation = operation ?? target;
    let delayMs = 0;
    let fault: Fault | undefined;
    let reply: AwsReply;
    try {
      call.request = parseJson(body);
      if (service !== this.model.serviceName || !OPERATIONS.includes(call.operation)) {
        throw new ApiError('UnknownOperationException', `Unknown operation ${target}`, {}, 400);
      }
      fault = this.takeFault(call.operation as Operation, (call.request as { Catalog?: string }).Catalog);
      if (fault?.kind === 'reset') return 'drop';
      if (fault?.kind === 'latency') delayMs = fault.delayMs ?? 0;
      reply = json(200, this.answer(call.operation as Operation, call.account, call.request, fault));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      reply = this.errorOf(e);
    }
    if (delayMs > 0) await sleep(delayMs);
    // The answer, error or not, was computed (so a write landed) and is then lost.
    return fault?.kind === 'lose-answer' ? 'drop' : reply;
  }

  errorReply(errorName: string, message: string, status: number): AwsReply {
    return this.errorOf(new ApiError(errorName, message, {}, status));
  }

  private errorOf(e: ApiError): AwsReply {
    const type = e.status ? e.errorName : this.model.errorType(e.errorName);
    const reply = json(e.status ?? this.model.httpStatus(e.errorName), { __type: type, Message: e.message, ...e.fields });
    return { ...reply, headers: { ...reply.headers, 'x-amzn-errortype': e.errorName } };
  }

  private answer(operation: Operation, account: string, request: any, fault: Fault | undefined): unknown {
    if (fault?.kind === 'throttle') throw new ApiError('ThrottlingException', 'Rate exceeded', { ServiceCode: 'partnercentral', QuotaCode: 'emulated' });
    if (fault?.kind === 'internal-error') throw new ApiError('InternalServerException', 'An internal error occurred (emulated)');
    if (fault?.kind === 'access-denied') {
      throw new ApiError('AccessDeniedException', `User is not authorized to perform partnercentral:${operation}`, { Reason: fault.reason ?? 'ACCESS_DENIED' });
    }
    if (fault?.kind === 'validation') {
      const code = fault.code ?? 'INVALID_ACCOUNT_LINKING_STATUS';
      throw new ApiError('ValidationException', 'The account is not in a state that allows this operation', {
        Reason: 'BUSINESS_VALIDATION_FAILED',
        ErrorDetails: [{ BusinessValidationError: { Message: `The account failed the ${code} check`, Code: code } }],
      });
    }

    this.validate(operation, request);
    const catalog: string = request.Catalog;
    if (operation === 'GetConnectionPreferences') {
      const answer = this.preferences(account, catalog);
      if (fault?.kind === 'competing-write') {
        this.store(account, catalog, fault.competingPreferences ?? { AccessType: 'DENY_ALL', ExcludedParticipantIds: [] }, 'competitor');
      }
      return answer;
    }

    const current = this.document(account, catalog);
    if (request.Revision !== current.Revision) {
      throw new ApiError('ConflictException', `Revision ${request.Revision} is not the current revision`, { Reason: 'INCOMPATIBLE_CONNECTION_PREFERENCES_REVISION' });
    }
    const exclusions: string[] = request.ExcludedParticipantIdentifiers ?? [];
    const exclusionsApply = request.AccessType === 'ALLOW_BY_DEFAULT_DENY_SOME' || this.settings.exclusionsWithoutDenySome === 'accept';
    const stored = this.store(account, catalog, { AccessType: request.AccessType, ExcludedParticipantIds: exclusionsApply ? exclusions : [] }, 'api');
    return this.present(account, catalog, stored);
  }

  /** The model's checks, then the service's business rules. */
  private validate(operation: Operation, request: unknown): void {
    const errors: FieldValidationError[] = this.model.validate(this.model.inputShape(operation)!, request);
    const r = request as Record<string, any>;
    if (errors.length === 0 && !this.settings.catalogs.includes(r.Catalog)) {
      errors.push({ Name: 'Catalog', Message: `Catalog must be one of ${this.settings.catalogs.join(', ')}`, Code: 'INVALID_VALUE' });
    }
    if (errors.length === 0 && operation === 'UpdateConnectionPreferences' && this.settings.exclusionsWithoutDenySome === 'reject'
      && r.AccessType !== 'ALLOW_BY_DEFAULT_DENY_SOME' && (r.ExcludedParticipantIdentifiers ?? []).length > 0) {
      errors.push({
        Name: 'ExcludedParticipantIdentifiers',
        Message: 'ExcludedParticipantIdentifiers are only allowed with AccessType ALLOW_BY_DEFAULT_DENY_SOME',
        Code: 'ACTION_NOT_PERMITTED',
      });
    }
    if (errors.length > 0) {
      throw new ApiError('ValidationException', errors.map((e) => e.Message).join('; '), {
        Reason: 'REQUEST_VALIDATION_FAILED',
        ErrorDetails: errors.map((e) => ({ FieldValidationError: e })),
      });
    }
  }

  private takeFault(operation: Operation, catalog: string | undefined): Fault | undefined {
    for (const fault of this.faults) {
      const applies = (fault.operation ?? operation) === operation && (fault.catalog ?? catalog) === catalog
        && (fault.kind !== 'competing-write' || operation === 'GetConnectionPreferences');
      if (!applies || fault.seen++ % (fault.every ?? 1) !== 0) continue;
      fault.count -= 1;
      this.faults = this.faults.filter((f) => f.count > 0);
      return fault;
    }
    return undefined;
  }

  private document(account: string, catalog: string): StoredDocument {
    const key = `${account}/${catalog}`;
    let document = this.documents.get(key);
    if (!document) {
      document = {
        ...structuredClone(this.settings.initialPreferences),
        Revision: this.settings.initialRevision,
        UpdatedAt: new Date().toISOString(),
      };
      this.documents.set(key, document);
    }
    return document;
  }

  private store(account: string, catalog: string, preferences: Preferences, by: RecordedWrite['by']): StoredDocument {
    const letters = this.settings.identifierCase;
    const document: StoredDocument = {
      AccessType: preferences.AccessType,
      ExcludedParticipantIds: preferences.ExcludedParticipantIds.map((id) => (letters === 'lower' ? id.toLowerCase() : letters === 'upper' ? id.toUpperCase() : id)),
      Revision: this.document(account, catalog).Revision + 1,
      UpdatedAt: new Date().toISOString(),
    };
    this.documents.set(`${account}/${catalog}`, document);
    this.writes.push({ account, catalog, revision: document.Revision, AccessType: document.AccessType, ExcludedParticipantIds: [...document.ExcludedParticipantIds], by });
    this.onChange();
    return document;
  }

  private present(account: string, catalog: string, document: StoredDocument) {
    const ids = [...document.ExcludedParticipantIds];
    const order = this.settings.exclusionOrder;
    return {
      Catalog: catalog,
      Arn: `arn:aws:partnercentral:${ARN_REGION}:${account}:catalog/${catalog}/connection-preferences`,
      ...structuredClone(document),
      ExcludedParticipantIds: order === 'sorted' ? ids.sort() : order === 'reversed' ? ids.reverse() : ids,
    };
  }
}

function json(status: number, payload: unknown): Exclude<AwsReply, 'drop'> {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(payload) };
}

import { randomUUID } from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
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
  /** Milliseconds added before every API response. */
  latencyMs: number;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  initialPreferences: { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] },
  initialRevision: 0,
  exclusionsWithoutDenySome: 'accept',
  catalogs: ['AWS', 'Sandbox'],
  latencyMs: 0,
};

export type Operation = 'GetConnectionPreferences' | 'UpdateConnectionPreferences';
const OPERATIONS: readonly string[] = ['GetConnectionPreferences', 'UpdateConnectionPreferences'];

/**
 * A fault for the next `count` calls (of `operation`, or of any operation):
 * - `throttle`: answer ThrottlingException (429);
 * - `internal-error`: answer InternalServerException (500);
 * - `competing-write`: answer the read, then let another writer change the document, so the reader's revision is stale.
 */
export interface Fault {
  kind: 'throttle' | 'internal-error' | 'competing-write';
  count: number;
  operation?: Operation;
  /** What the competing writer writes. @default DENY_ALL with no exclusions */
  competingPreferences?: Preferences;
}

/** One API call as the emulator received and answered it. */
export interface RecordedCall {
  operation: string;
  accessKeyId: string;
  account: string;
  /** The region and service of the SigV4 credential scope. */
  region: string;
  service: string;
  request: any;
  status: number;
  errorType?: string;
}

/** One successful change of a document, by the API or by a simulated other writer. */
export interface RecordedWrite extends Preferences {
  account: string;
  catalog: string;
  revision: number;
  by: 'api' | 'competitor' | 'outside';
}

interface StoredDocument extends Preferences {
  Revision: number;
  UpdatedAt: string;
}

class ApiError extends Error {
  constructor(readonly errorName: string, message: string, readonly fields: Record<string, unknown> = {}, readonly status?: number) {
    super(message);
  }
}

/** Accounts are taken from the access key that signed the request: its last 12 digits, or this one. */
export const DEFAULT_ACCOUNT = '123456789012';
export function accountOfAccessKey(accessKeyId: string): string {
  return /(\d{12})$/.exec(accessKeyId)?.[1] ?? DEFAULT_ACCOUNT;
}

const ARN_REGION = 'us-east-1';

/**
 * A local emulator of the Partner Central Account API's connection-preferences operations: awsJson1_0 over HTTP,
 * requests validated against the service model, compare-and-set on Revision, one document per account and catalog.
 * `/_emulator/*` paths let another process read the calls and inject faults.
 */
export class PartnerCentralEmulator {
  readonly settings: EmulatorSettings;
  readonly calls: RecordedCall[] = [];
  readonly writes: RecordedWrite[] = [];
  private readonly model = SmithyModel.load();
  private readonly documents = new Map<string, StoredDocument>();
  private faults: Fault[] = [];
  private server?: http.Server;

  constructor(settings: Partial<EmulatorSettings> = {}) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** Listens on `host:port` (any free port by default) and returns the endpoint URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the emulator is not listening');
    return `http://${address.address}:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Drops the faults not yet used up. */
  clearFaults(): void {
    this.faults = [];
  }

  /** Forgets every document, call, write and fault. */
  reset(): void {
    this.documents.clear();
    this.calls.length = 0;
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

  /** Calls of one operation, optionally only those of one account. */
  callsOf(operation: Operation, account?: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation && (account === undefined || c.account === account));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.url?.startsWith('/_emulator/')) return this.control(req.method ?? 'GET', req.url, body, res);

    const target = String(req.headers['x-amz-target'] ?? '');
    const [service, operation] = target.split('.');
    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
    const call: RecordedCall = {
      operation: operation ?? target,
      accessKeyId: scope?.[1] ?? '',
      account: scope ? accountOfAccessKey(scope[1]) : '',
      region: scope?.[2] ?? '',
      service: scope?.[3] ?? '',
      request: undefined,
      status: 200,
    };
    this.calls.push(call);

    let status = 200;
    let payload: unknown;
    try {
      call.request = parseJson(body);
      if (!scope) throw new ApiError('MissingAuthenticationTokenException', 'Missing or malformed SigV4 Authorization header', {}, 403);
      if (call.service !== 'partnercentral-account') {
        throw new ApiError('InvalidSignatureException', `Credential should be scoped to correct service: 'partnercentral-account', not '${call.service}'`, {}, 403);
      }
      if (service !== this.model.serviceName || !OPERATIONS.includes(call.operation)) {
        throw new ApiError('UnknownOperationException', `Unknown operation ${target}`, {}, 400);
      }
      payload = this.handle(call.operation as Operation, call.account, call.request);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status ?? this.model.httpStatus(e.errorName);
      call.errorType = e.errorName;
      const type = e.status ? e.errorName : this.model.errorType(e.errorName);
      payload = { __type: type, Message: e.message, ...e.fields };
      res.setHeader('x-amzn-errortype', e.errorName);
    }
    call.status = status;
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(payload));
  }

  private handle(operation: Operation, account: string, request: any): unknown {
    const fault = this.takeFault(operation);
    if (fault?.kind === 'throttle') throw new ApiError('ThrottlingException', 'Rate exceeded', { ServiceCode: 'partnercentral', QuotaCode: 'emulated' });
    if (fault?.kind === 'internal-error') throw new ApiError('InternalServerException', 'An internal error occurred (emulated)');

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

  private takeFault(operation: Operation): Fault | undefined {
    const fault = this.faults.find((f) => f.count > 0 && (f.operation ?? operation) === operation
      && (f.kind !== 'competing-write' || operation === 'GetConnectionPreferences'));
    if (!fault) return undefined;
    fault.count -= 1;
    this.faults = this.faults.filter((f) => f.count > 0);
    return fault;
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
    const document: StoredDocument = {
      AccessType: preferences.AccessType,
      ExcludedParticipantIds: [...preferences.ExcludedParticipantIds],
      Revision: this.document(account, catalog).Revision + 1,
      UpdatedAt: new Date().toISOString(),
    };
    this.documents.set(`${account}/${catalog}`, document);
    this.writes.push({ account, catalog, revision: document.Revision, ...structuredClone(preferences), by });
    return document;
  }

  private present(account: string, catalog: string, document: StoredDocument) {
    return {
      Catalog: catalog,
      Arn: `arn:aws:partnercentral:${ARN_REGION}:${account}:catalog/${catalog}/connection-preferences`,
      ...structuredClone(document),
    };
  }

  private control(method: string, url: string, body: string, res: http.ServerResponse): void {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const route = `${method} ${url.replace(/\?.*$/, '')}`;
    try {
      switch (route) {
        case 'GET /_emulator/calls': return reply(200, this.calls);
        case 'GET /_emulator/writes': return reply(200, this.writes);
        case 'GET /_emulator/settings': return reply(200, this.settings);
        case 'PUT /_emulator/settings': Object.assign(this.settings, parseJson(body)); return reply(200, this.settings);
        case 'POST /_emulator/faults': this.inject(parseJson(body) as Fault); return reply(200, this.faults);
        case 'POST /_emulator/reset': this.reset(); return reply(200, {});
        default: return reply(404, { message: `no control route ${route}` });
      }
    } catch (e) {
      return reply(400, { message: (e as Error).message });
    }
  }
}

function parseJson(body: string): unknown {
  try {
    return body ? JSON.parse(body) : {};
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid JSON', {}, 400);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

import { randomBytes, randomUUID } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as http from 'http';
import * as path from 'path';
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
  /** The order in which stored identifiers are returned: as written, sorted, or reversed. */
  exclusionOrder: 'as-written' | 'sorted' | 'reversed';
  /** External ids that roles' trust policies require, by role ARN; other roles need none. */
  roleExternalIds: Record<string, string>;
}

export const DEFAULT_SETTINGS: EmulatorSettings = {
  initialPreferences: { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] },
  initialRevision: 0,
  exclusionsWithoutDenySome: 'accept',
  catalogs: ['AWS', 'Sandbox'],
  latencyMs: 0,
  exclusionOrder: 'as-written',
  roleExternalIds: {},
};

export type Operation = 'GetConnectionPreferences' | 'UpdateConnectionPreferences';
const OPERATIONS: readonly string[] = ['GetConnectionPreferences', 'UpdateConnectionPreferences'];

/**
 * A fault for the next `count` calls (of `operation`, or of any Partner Central operation):
 * - `throttle`: answer ThrottlingException (429);
 * - `internal-error`: answer InternalServerException (500);
 * - `reset`: drop the connection without an answer;
 * - `latency`: answer normally after `delayMs`;
 * - `access-denied`: answer AccessDeniedException (403) with `reason`;
 * - `validation`: answer ValidationException (400) with a business validation error `code`;
 * - `competing-write`: answer the read, then let another writer change the document, so the reader's revision is stale.
 */
export interface Fault {
  kind: 'throttle' | 'internal-error' | 'reset' | 'latency' | 'access-denied' | 'validation' | 'competing-write';
  count: number;
  operation?: Operation;
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

/** Credentials the emulated STS issued: their access key ends with the role's account. */
export interface IssuedCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
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

/** Static credentials that the emulator takes as this account's. */
export function credentialsOfAccount(account: string): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `AKIALOCAL${account}`, secretAccessKey: 'emulator-secret' };
}

/** A stack as a local deploy left it: CloudFormation's GetTemplate answers with its template. */
export interface DeployedStack {
  template: any;
  /** Physical resource ids by logical id, for the next deploy's Update and Delete events. */
  physicalIds: Record<string, string>;
  /** The handler code as deployed, which serves Deletes after its resources left the template. */
  handler?: { file: string; exportName: string; timeoutSeconds: number };
}

/** What a state file keeps between runs. */
interface PersistedState {
  documents: Record<string, StoredDocument>;
  stacks: Record<string, DeployedStack>;
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
  readonly issuedCredentials: IssuedCredentials[] = [];
  private readonly model = SmithyModel.load();
  private readonly documents = new Map<string, StoredDocument>();
  private readonly stacks = new Map<string, DeployedStack>();
  private faults: (Fault & { seen: number })[] = [];
  private server?: http.Server;

  /** With `stateFile`, documents and deployed stacks are loaded from it and saved to it after every change. */
  constructor(settings: Partial<EmulatorSettings> = {}, private readonly stateFile?: string) {
    // A deep copy: tests change one emulator's settings without touching the defaults of the next.
    this.settings = { ...structuredClone(DEFAULT_SETTINGS), ...settings };
    if (stateFile && existsSync(stateFile)) {
      const state: PersistedState = JSON.parse(readFileSync(stateFile, 'utf8'));
      Object.entries(state.documents).forEach(([key, document]) => this.documents.set(key, document));
      Object.entries(state.stacks).forEach(([name, stack]) => this.stacks.set(name, stack));
    }
  }

  deployedStack(stackName: string): DeployedStack | undefined {
    return this.stacks.get(stackName);
  }

  deployedStackNames(): string[] {
    return [...this.stacks.keys()];
  }

  /** Records a stack as deployed (or, with undefined, as deleted). */
  putStack(stackName: string, stack: DeployedStack | undefined): void {
    if (stack) this.stacks.set(stackName, stack); else this.stacks.delete(stackName);
    this.save();
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
    this.faults.push({ ...fault, seen: 0 });
  }

  /** Drops the faults not yet used up. */
  clearFaults(): void {
    this.faults = [];
  }

  /** Forgets every document, deployed stack, call, write and fault. */
  reset(): void {
    this.documents.clear();
    this.stacks.clear();
    this.calls.length = 0;
    this.writes.length = 0;
    this.issuedCredentials.length = 0;
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
    if (call.service === 'sts' || call.service === 'cloudformation') return this.serveQuery(call, body, res);

    let status = 200;
    let payload: unknown;
    let delayMs = this.settings.latencyMs;
    try {
      call.request = parseJson(body);
      if (!scope) throw new ApiError('MissingAuthenticationTokenException', 'Missing or malformed SigV4 Authorization header', {}, 403);
      this.checkSessionToken(call.accessKeyId, req.headers['x-amz-security-token']);
      if (call.service !== 'partnercentral-account') {
        throw new ApiError('InvalidSignatureException', `Credential should be scoped to correct service: 'partnercentral-account', not '${call.service}'`, {}, 403);
      }
      if (service !== this.model.serviceName || !OPERATIONS.includes(call.operation)) {
        throw new ApiError('UnknownOperationException', `Unknown operation ${target}`, {}, 400);
      }
      const fault = this.takeFault(call.operation as Operation);
      if (fault?.kind === 'reset') {
        call.status = 0;
        call.errorType = 'ConnectionReset';
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'latency') delayMs += fault.delayMs ?? 0;
      payload = this.handle(call.operation as Operation, call.account, call.request, fault);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status ?? this.model.httpStatus(e.errorName);
      call.errorType = e.errorName;
      const type = e.status ? e.errorName : this.model.errorType(e.errorName);
      payload = { __type: type, Message: e.message, ...e.fields };
      res.setHeader('x-amzn-errortype', e.errorName);
    }
    call.status = status;
    if (delayMs > 0) await sleep(delayMs);
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(payload));
  }

  private handle(operation: Operation, account: string, request: any, fault: Fault | undefined): unknown {
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

  private takeFault(operation: Operation): Fault | undefined {
    for (const fault of this.faults) {
      const applies = (fault.operation ?? operation) === operation
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
    const document: StoredDocument = {
      AccessType: preferences.AccessType,
      ExcludedParticipantIds: [...preferences.ExcludedParticipantIds],
      Revision: this.document(account, catalog).Revision + 1,
      UpdatedAt: new Date().toISOString(),
    };
    this.documents.set(`${account}/${catalog}`, document);
    this.writes.push({ account, catalog, revision: document.Revision, ...structuredClone(preferences), by });
    this.save();
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

  /** Temporary credentials are only good with the session token STS issued with them. */
  private checkSessionToken(accessKeyId: string, token: string | string[] | undefined): void {
    const issued = this.issuedCredentials.find((c) => c.accessKeyId === accessKeyId);
    if (accessKeyId.startsWith('ASIA') && issued?.sessionToken !== token) {
      throw new ApiError('UnrecognizedClientException', 'The security token included in the request is invalid', {}, 403);
    }
  }

  /** STS AssumeRole and CloudFormation GetTemplate, in the query protocol: form-encoded request, XML answer. */
  private serveQuery(call: RecordedCall, body: string, res: http.ServerResponse): void {
    const params = Object.fromEntries(new URLSearchParams(body));
    call.operation = params.Action ?? '';
    call.request = params;
    const namespace = call.service === 'sts' ? 'https://sts.amazonaws.com/doc/2011-06-15/' : 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
    const reply = (status: number, xml: string) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(xml);
    };
    try {
      const result = call.service === 'sts' ? this.assumeRole(call, params) : this.getTemplate(params);
      reply(200, `<${call.operation}Response xmlns="${namespace}"><${call.operation}Result>${result}</${call.operation}Result>`
        + `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${call.operation}Response>`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      call.errorType = e.errorName;
      reply(e.status ?? 400, `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${e.errorName}</Code>`
        + `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
    }
  }

  private assumeRole(call: RecordedCall, params: Record<string, string>): string {
    const { RoleArn: roleArn, RoleSessionName: sessionName, ExternalId: externalId } = params;
    const role = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(.+)$/.exec(roleArn ?? '');
    if (call.operation !== 'AssumeRole') throw new ApiError('InvalidAction', `Could not find operation ${call.operation}`, {}, 400);
    if (!role) throw new ApiError('ValidationError', `${roleArn} is not a valid role ARN`, {}, 400);
    if (!sessionName || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new ApiError('ValidationError', `RoleSessionName ${sessionName} is not valid`, {}, 400);
    const requiredExternalId = this.settings.roleExternalIds[roleArn];
    if (requiredExternalId !== undefined && requiredExternalId !== externalId) {
      throw new ApiError('AccessDenied', `User: ${call.accessKeyId} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, {}, 403);
    }
    const credentials: IssuedCredentials = {
      roleArn,
      accessKeyId: `ASIA${randomBytes(4).toString('hex').toUpperCase()}${role[1]}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
    };
    this.issuedCredentials.push(credentials);
    return `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>`
      + `<SessionToken>${credentials.sessionToken}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials>`
      + `<AssumedRoleUser><AssumedRoleId>AROAEMULATED:${sessionName}</AssumedRoleId>`
      + `<Arn>arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${sessionName}</Arn></AssumedRoleUser>`;
  }

  private getTemplate(params: Record<string, string>): string {
    if (params.Action !== 'GetTemplate') throw new ApiError('InvalidAction', `Could not find operation ${params.Action}`, {}, 400);
    const stack = this.stacks.get(params.StackName ?? '');
    if (!stack) throw new ApiError('ValidationError', `Stack with id ${params.StackName} does not exist`, {}, 400);
    return `<TemplateBody>${escapeXml(JSON.stringify(stack.template))}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>`;
  }

  private save(): void {
    if (!this.stateFile) return;
    const state: PersistedState = { documents: Object.fromEntries(this.documents), stacks: Object.fromEntries(this.stacks) };
    mkdirSync(path.dirname(this.stateFile), { recursive: true });
    writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
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

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
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

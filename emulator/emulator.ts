import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { accountOfAccessKey, AwsReply, EmulatedService, parseJson, RecordedCall, sleep } from './aws-protocol';
import { CloudFormationService, StoredStack } from './cloudformation';
import { EventBridgeService } from './eventbridge';
import { FunctionConfiguration, LambdaService } from './lambda';
import { EmulatorSettings, Fault, Operation, PartnerCentralService, Preferences, StoredDocument } from './partner-central';
import { ResponseBucket } from './s3-response-bucket';
import { StsService } from './sts';

export { DEFAULT_ACCOUNT, accountOfAccessKey, credentialsOfAccount } from './aws-protocol';
export type { RecordedCall } from './aws-protocol';
export type { RecordedEvent } from './eventbridge';
export { DEFAULT_SETTINGS } from './partner-central';
export type { EmulatorSettings, Fault, Operation, Preferences, RecordedWrite } from './partner-central';

/** What a state folder keeps between runs, besides the functions' code and logs. */
interface PersistedState {
  version: 2;
  documents: Record<string, StoredDocument>;
  stacks: Record<string, StoredStack>;
  functions: Record<string, FunctionConfiguration>;
}

/**
 * The AWS of the tests, the local deploy and `plan --local`, on one loopback endpoint: each signed request goes to
 * the service its SigV4 credential scope names — Partner Central Account (the API under test), STS, CloudFormation,
 * Lambda and EventBridge — and is recorded. Point the SDK at it with AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>).
 * `/_emulator/*` paths let another process read the calls and inject faults. With a state folder, documents, stacks,
 * functions (with their code) and logs are kept between runs; events are not.
 */
export class Emulator {
  readonly calls: RecordedCall[] = [];
  readonly partnerCentral: PartnerCentralService;
  readonly sts: StsService;
  readonly lambda: LambdaService;
  readonly cloudFormation: CloudFormationService;
  readonly eventBridge = new EventBridgeService();
  private readonly responseBucket = new ResponseBucket();
  private readonly services: Record<string, EmulatedService>;
  private server?: http.Server;
  private loading = false;

  constructor(settings: Partial<EmulatorSettings> = {}, private readonly stateDir?: string) {
    const save = () => this.save();
    this.partnerCentral = new PartnerCentralService(settings, save);
    this.sts = new StsService(() => this.partnerCentral.settings.roleExternalIds);
    this.lambda = new LambdaService(this.sts, stateDir && path.join(stateDir, 'lambda'), save);
    this.cloudFormation = new CloudFormationService(this.lambda, this.responseBucket, save, () => this.partnerCentral.settings.rollbackCleanupTemplate);
    this.services = {
      'partnercentral-account': this.partnerCentral, 'sts': this.sts, 'lambda': this.lambda, 'cloudformation': this.cloudFormation,
      'events': this.eventBridge,
    };
    this.load();
  }

  // The Partner Central side, which most tests look at.
  get settings(): EmulatorSettings { return this.partnerCentral.settings; }
  get writes() { return this.partnerCentral.writes; }
  get issuedCredentials() { return this.sts.issuedCredentials; }
  preferences(account: string, catalog: string) { return this.partnerCentral.preferences(account, catalog); }
  writeOutside(account: string, catalog: string, preferences: Preferences): void { this.partnerCentral.writeOutside(account, catalog, preferences); }
  inject(fault: Fault): void { this.partnerCentral.inject(fault); }
  clearFaults(): void { this.partnerCentral.clearFaults(); }

  /** Calls of one Partner Central operation, optionally only those of one account. */
  callsOf(operation: Operation, account?: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation && (account === undefined || c.account === account));
  }

  /** Forgets every document, call, write, fault, issued credential and event. */
  reset(): void {
    this.partnerCentral.reset();
    this.calls.length = 0;
    this.sts.issuedCredentials.length = 0;
    this.eventBridge.events.length = 0;
  }

  /** Listens on `host:port` (any free port by default) and returns the endpoint URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    this.lambda.network = { endpointUrl: this.url, extraEnvironment: {} };
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the emulator is not listening');
    return `http://${address.address}:${address.port}`;
  }

  /** Stops listening, and stops every function still running. */
  async stop(): Promise<void> {
    await this.lambda.stop();
    await this.responseBucket.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '/';
    if (url.startsWith('/_emulator/')) return this.control(req.method ?? 'GET', url, body, res);

    const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
    const call: RecordedCall = {
      operation: '', accessKeyId: scope?.[1] ?? '', account: scope ? accountOfAccessKey(scope[1]) : '',
      region: scope?.[2] ?? '', service: scope?.[3] ?? '', request: undefined, status: 0,
    };
    this.calls.push(call);
    const service = this.services[call.service] ?? this.partnerCentral;
    let reply: AwsReply;
    const tokenProblem = scope && this.sts.sessionTokenProblem(call.accessKeyId, req.headers['x-amz-security-token']);
    if (!scope) reply = service.errorReply('MissingAuthenticationTokenException', 'Missing or malformed SigV4 Authorization header', 403);
    else if (!this.services[call.service]) reply = service.errorReply('UnrecognizedClientException', `The emulator does not offer the ${call.service} service`, 400);
    else if (tokenProblem) reply = service.errorReply('UnrecognizedClientException', tokenProblem, 403);
    else reply = await service.handle({ method: req.method ?? 'GET', url, headers: req.headers, body, call });
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
    if (reply === 'drop') {
      call.errorType = 'ConnectionReset';
      req.socket.destroy();
      return;
    }
    call.status = reply.status;
    if (reply.status >= 300) call.errorType = String(reply.headers?.['x-amzn-errortype'] ?? /<Code>([^<]+)<\/Code>/.exec(reply.body)?.[1] ?? reply.status);
    if (res.destroyed) return;
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
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
        case 'GET /_emulator/events': return reply(200, this.eventBridge.events);
        case 'GET /_emulator/settings': return reply(200, this.settings);
        case 'PUT /_emulator/settings': Object.assign(this.settings, parseJson(body)); return reply(200, this.settings);
        case 'POST /_emulator/faults': this.inject(parseJson(body) as Fault); return reply(200, this.partnerCentral.pendingFaults);
        case 'POST /_emulator/reset': this.reset(); return reply(200, {});
        default: return reply(404, { message: `no control route ${route}` });
      }
    } catch (e) {
      return reply(400, { message: (e as Error).message });
    }
  }

  private get stateFile(): string | undefined {
    return this.stateDir && path.join(this.stateDir, 'state.json');
  }

  private load(): void {
    if (!this.stateFile || !existsSync(this.stateFile)) return;
    this.loading = true;
    const state: PersistedState = JSON.parse(readFileSync(this.stateFile, 'utf8'));
    if (state.version !== 2) {
      throw new Error(`${this.stateFile} was written by an earlier version of the local deploy; delete ${this.stateDir} to start over`);
    }
    Object.entries(state.documents).forEach(([key, document]) => this.partnerCentral.documents.set(key, document));
    Object.values(state.stacks).forEach((stack) => this.cloudFormation.record(stack));
    Object.entries(state.functions).forEach(([name, fn]) => this.lambda.functions.set(name, fn));
    this.loading = false;
  }

  private save(): void {
    // Saving half a state while loading it would lose the rest.
    if (!this.stateFile || this.loading) return;
    const state: PersistedState = {
      version: 2,
      documents: Object.fromEntries(this.partnerCentral.documents),
      stacks: Object.fromEntries(this.cloudFormation.stacks),
      functions: Object.fromEntries(this.lambda.functions),
    };
    mkdirSync(this.stateDir!, { recursive: true });
    writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
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

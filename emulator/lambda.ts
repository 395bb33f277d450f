import { createHash, randomUUID } from 'crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { ApiError, AwsReply, AwsRequest, EmulatedService } from './aws-protocol';
import { runInLambdaProcess } from './lambda-process';
import { nodeOfRuntime } from './lambda-runtimes';
import type { StsService } from './sts';

/** A function as CloudFormation configured it, with where its code is kept. */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Handler: string;
  Role: string;
  Timeout: number;
  MemorySize: number;
  Variables: Record<string, string>;
  LogGroup: string;
  /** The function's code: a folder this service keeps, as Lambda keeps the deployed package. */
  CodeDirectory: string;
  CodeSha256: string;
}

/** What the function's process is given besides its own environment: the emulator as its AWS. */
export interface FunctionNetwork {
  readonly endpointUrl: string;
  readonly extraEnvironment: Record<string, string>;
}

/** One invocation as Lambda ran it. */
export interface RecordedInvocation {
  functionName: string;
  /** The function's Handler setting. */
  handler: string;
  requestId: string;
  invocationType: string;
  /** `running`, then `ok`, the error type the function reported, or `lost` when the answer was dropped. */
  outcome: string;
  /** Set when it ended. */
  durationMs?: number;
  /** Whether the function ran on the Node major its runtime declares. */
  nodeMatchesRuntime: boolean;
}

/** What Lambda answers for an invocation: the payload, and `Unhandled` when the function failed. */
export interface FunctionAnswer {
  readonly payload: string;
  readonly functionError?: string;
  readonly invocation: RecordedInvocation;
}

/** `lose-answer`: run the function, then drop the connection instead of answering (as a lost network reply). */
export interface LambdaFault { kind: 'lose-answer'; count: number }

const RESERVED_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR'];
const MAX_ENVIRONMENT_BYTES = 4096;
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;
/**
 * Where the SDK clients that Lambda's Node.js runtime provides (/var/runtime/node_modules) are: this project's. The
 * Provider framework's function needs them; the handler and the monitor bundle their own. Without the project's
 * development dependencies (the shipped command's `check --local`), there are none.
 */
const runtimeSdkDirectory = () => {
  try {
    return path.resolve(path.dirname(require.resolve('@aws-sdk/client-lambda/package.json')), '..', '..');
  } catch {
    return undefined;
  }
};

/**
 * AWS Lambda for the functions a local deploy creates: Invoke (RequestResponse and Event) and GetFunction in its
 * REST-JSON protocol. Each invocation runs in its own process on the Node of the function's runtime, with the
 * function's environment (checked against Lambda's 4 KB limit), credentials of its role, and its timeout; errors are
 * reported as Lambda reports them (FunctionError, errorType, errorMessage, trace). Logs go to the function's log group.
 */
export class LambdaService implements EmulatedService {
  readonly functions = new Map<string, FunctionConfiguration>();
  readonly invocations: RecordedInvocation[] = [];
  network?: FunctionNetwork;
  private shutdown = new AbortController();
  private faults: LambdaFault[] = [];

  /** Told every piece of output of every function, by log group: for a caller that shows one invocation's log. */
  logObserver?: (logGroup: string, text: string) => void;

  /** Log lines by log group, when there is no `storeDir` to write them to. */
  readonly logs = new Map<string, string[]>();

  /** `storeDir` keeps code and logs between runs; without it code is run where it is and logs kept in memory. */
  constructor(private readonly sts: StsService, private readonly storeDir: string | undefined, private readonly onChange: () => void) {}

  inject(fault: LambdaFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Creates or updates a function, as CloudFormation does, refusing what Lambda refuses. */
  putFunction(config: Omit<FunctionConfiguration, 'CodeSha256' | 'FunctionArn'> & { region: string; account: string }): FunctionConfiguration {
    const { region, account, ...rest } = config;
    const reserved = Object.keys(rest.Variables).filter((name) => RESERVED_VARIABLES.includes(name));
    if (reserved.length > 0) {
      throw new Error(`Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys: ${reserved.join(', ')}`);
    }
    const environmentBytes = Buffer.byteLength(JSON.stringify(rest.Variables));
    if (environmentBytes > MAX_ENVIRONMENT_BYTES) {
      throw new Error(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit (${environmentBytes} bytes)`);
    }
    if (!Number.isInteger(rest.Timeout) || rest.Timeout < 1 || rest.Timeout > 900) throw new Error(`Timeout ${rest.Timeout} is not between 1 and 900 seconds`);
    if (!Number.isInteger(rest.MemorySize) || rest.MemorySize < 128 || rest.MemorySize > 10240) throw new Error(`MemorySize ${rest.MemorySize} is not between 128 and 10240 MB`);
    nodeOfRuntime(rest.Runtime);
    const sha = directoryHash(rest.CodeDirectory);
    const kept = this.storeDir ? path.join(this.storeDir, 'code', rest.FunctionName, sha.slice(0, 16)) : rest.CodeDirectory;
    if (kept !== rest.CodeDirectory && !existsSync(kept)) cpSync(rest.CodeDirectory, kept, { recursive: true });
    const fn = { ...rest, CodeDirectory: kept, CodeSha256: sha, FunctionArn: `arn:aws:lambda:${region}:${account}:function:${rest.FunctionName}` };
    this.functions.set(fn.FunctionName, fn);
    this.onChange();
    return fn;
  }

  /** Puts back a function as it was before a stack update that is being rolled back. */
  restoreFunction(fn: FunctionConfiguration): void {
    this.functions.set(fn.FunctionName, fn);
    this.onChange();
  }

  deleteFunction(name: string): void {
    this.functions.delete(name);
    this.onChange();
  }

  /** Stops every invocation still running. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.shutdown = new AbortController();
  }

  async handle({ method, url, headers, body, call }: AwsRequest): Promise<AwsReply> {
    const route = /^\/2015-03-31\/functions\/([^/?]+)(\/invocations|\/configuration)?\/?(?:\?.*)?$/.exec(url);
    const name = route ? decodeURIComponent(route[1]) : '';
    call.operation = method === 'POST' && route?.[2] === '/invocations' ? 'Invoke' : method === 'GET' && route ? (route[2] ? 'GetFunctionConfiguration' : 'GetFunction') : `${method} ${url}`;
    call.request = { FunctionName: name };
    try {
      if (call.operation === 'Invoke') {
        const type = String(headers['x-amz-invocation-type'] ?? 'RequestResponse');
        if (type === 'Event') {
          void this.invokeAsync(name, body);
          return { status: 202, body: '' };
        }
        if (type !== 'RequestResponse') throw new ApiError('InvalidParameterValueException', `Unsupported invocation type ${type}`, {}, 400);
        const answer = await this.run(this.find(name, body, MAX_SYNC_PAYLOAD_BYTES), body, type);
        if (this.faults.length > 0) {
          this.faults[0].count -= 1;
          this.faults = this.faults.filter((f) => f.count > 0);
          answer.invocation.outcome = 'lost';
          return 'drop';
        }
        const functionError = answer.functionError ? { 'x-amz-function-error': answer.functionError } : undefined;
        return { status: 200, headers: { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', ...functionError }, body: answer.payload };
      }
      if (call.operation === 'GetFunction' || call.operation === 'GetFunctionConfiguration') {
        const configuration = this.describe(this.find(name));
        return json(200, call.operation === 'GetFunction' ? { Configuration: configuration, Code: { RepositoryType: 'S3', Location: 'https://local/' } } : configuration);
      }
      throw new ApiError('UnknownOperationException', `No route for ${method} ${url}`, {}, 404);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return this.errorReply(e.errorName, e.message, e.status ?? 400);
    }
  }

  errorReply(errorName: string, message: string, status: number): AwsReply {
    return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorName }, body: JSON.stringify({ Type: 'User', message }) };
  }

  /**
   * An asynchronous invocation, as CloudFormation makes of a ServiceToken: throws at once if Lambda would refuse it,
   * and resolves with the outcome nobody but the caller's log sees. (Lambda would retry a failed one twice.)
   */
  invokeAsync(nameOrArn: string, payload: string): Promise<FunctionAnswer> {
    return this.run(this.find(nameOrArn, payload, MAX_ASYNC_PAYLOAD_BYTES), payload, 'Event');
  }

  private find(nameOrArn: string, payload?: string, maxPayloadBytes = 0): FunctionConfiguration {
    const name = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn.split(':')[0];
    const fn = this.functions.get(name);
    if (!fn) throw new ApiError('ResourceNotFoundException', `Function not found: ${nameOrArn}`, {}, 404);
    if (payload !== undefined && Buffer.byteLength(payload) > maxPayloadBytes) {
      throw new ApiError('RequestTooLargeException', `Request must be smaller than ${maxPayloadBytes} bytes for the invocation type`, {}, 413);
    }
    return fn;
  }

  private describe(fn: FunctionConfiguration) {
    return {
      FunctionName: fn.FunctionName, FunctionArn: fn.FunctionArn, Runtime: fn.Runtime, Role: fn.Role, Handler: fn.Handler,
      Timeout: fn.Timeout, MemorySize: fn.MemorySize, CodeSha256: fn.CodeSha256, Version: '$LATEST', Environment: { Variables: fn.Variables },
      State: 'Active', LastUpdateStatus: 'Successful', PackageType: 'Zip', Architectures: ['x86_64'], LoggingConfig: { LogGroup: fn.LogGroup },
    };
  }

  /** One invocation in a fresh process, with the function's environment and credentials; Lambda's answer whatever the function does. */
  private async run(fn: FunctionConfiguration, payload: string, invocationType: string): Promise<FunctionAnswer> {
    const requestId = randomUUID();
    const started = Date.now();
    const node = nodeOfRuntime(fn.Runtime);
    const credentials = this.sts.issue(fn.Role);
    const region = fn.FunctionArn.split(':')[3];
    // Recorded as it starts: an asynchronous invocation may still be running when its caller has what it needs.
    const invocation: RecordedInvocation = { functionName: fn.FunctionName, handler: fn.Handler, requestId, invocationType, outcome: 'running', nodeMatchesRuntime: node.matchesRuntime };
    this.invocations.push(invocation);
    const answer = await runInLambdaProcess({
      execPath: node.execPath, codeDirectory: fn.CodeDirectory, handler: fn.Handler, payload, requestId, timeoutMs: fn.Timeout * 1000,
      signal: this.shutdown.signal, onLog: (text) => this.log(fn.LogGroup, text),
      env: {
        PATH: process.env.PATH, LANG: 'en_US.UTF-8', TZ: ':UTC', NODE_PATH: runtimeSdkDirectory(),
        ...fn.Variables,
        AWS_REGION: region, AWS_DEFAULT_REGION: region, AWS_EXECUTION_ENV: `AWS_Lambda_${fn.Runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: fn.FunctionName, AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: fn.LogGroup, AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${requestId}`, EMULATOR_FUNCTION_ARN: fn.FunctionArn,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken,
        AWS_ENDPOINT_URL: this.network?.endpointUrl, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...this.network?.extraEnvironment,
      },
    });
    const error = answer.error ?? (Buffer.byteLength(answer.result!) > MAX_SYNC_PAYLOAD_BYTES
      ? { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).` }
      : undefined);
    Object.assign(invocation, { outcome: error?.errorType ?? 'ok', durationMs: Date.now() - started });
    return error ? { payload: JSON.stringify(error), functionError: 'Unhandled', invocation } : { payload: answer.result!, invocation };
  }

  private log(logGroup: string, text: string): void {
    this.logObserver?.(logGroup, text);
    if (!this.storeDir) {
      this.logs.set(logGroup, [...this.logs.get(logGroup) ?? [], text]);
      return;
    }
    const file = path.join(this.storeDir, 'logs', `${logGroup.replace(/^\//, '').replace(/[^\w.-]+/g, '_')}.log`);
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, text);
  }
}

function json(status: number, payload: unknown): AwsReply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) };
}

/** A digest of a folder's files and their contents, as Lambda's CodeSha256 identifies a package. */
function directoryHash(directory: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      hash.update(path.relative(directory, full));
      if (entry.isDirectory()) walk(full); else hash.update(readFileSync(full));
    }
  };
  walk(directory);
  return hash.digest('hex');
}

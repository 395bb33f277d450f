import { fork } from 'child_process';
import * as path from 'path';

/** A function error as Lambda's Node.js runtime reports it. */
export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: string[];
}

export interface LambdaProcessOptions {
  /** The Node binary of the function's runtime. */
  readonly execPath: string;
  /** The function's code: LAMBDA_TASK_ROOT. */
  readonly codeDirectory: string;
  /** The Handler setting, `<module>.<export>`. */
  readonly handler: string;
  /** The event, as JSON. */
  readonly payload: string;
  readonly requestId: string;
  /** The function's timeout; the context's remaining time counts down from it. */
  readonly timeoutMs: number;
  /** The whole environment of the process. */
  readonly env: NodeJS.ProcessEnv;
  readonly onLog?: (text: string) => void;
  /** Stops the invocation, as when Lambda shuts the environment down. */
  readonly signal?: AbortSignal;
}

const RUNTIME = path.join(__dirname, 'lambda-runtime.mjs');
const NETWORK = path.join(__dirname, 'lambda-network.cjs');

/**
 * One invocation in a fresh Node process, as Lambda's Node.js runtime runs it (lambda-runtime.mjs, with the network
 * of lambda-network.cjs preloaded): resolves with the function's JSON result, or with its error in the runtime's
 * format, including a timeout and a process that exits without answering. Never rejects.
 */
export function runInLambdaProcess(options: LambdaProcessOptions): Promise<{ result?: string; error?: LambdaError }> {
  const child = fork(RUNTIME, [], {
    execPath: options.execPath, execArgv: ['--require', NETWORK], cwd: options.codeDirectory, silent: true,
    env: { ...options.env, LAMBDA_TASK_ROOT: options.codeDirectory, LAMBDA_RUNTIME_DIR: path.dirname(RUNTIME) },
  });
  const log = (chunk: Buffer) => options.onLog?.(chunk.toString());
  child.stdout!.on('data', log);
  child.stderr!.on('data', log);
  const kill = () => child.kill('SIGKILL');
  options.signal?.addEventListener('abort', kill);
  return new Promise((resolve) => {
    let reply: { result?: string; error?: LambdaError } | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    child.once('message', (message: typeof reply) => {
      reply = message;
    });
    // Answered once the process has exited and its output is read (the runtime exits after replying), so that its
    // logs are complete.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      const id = `RequestId: ${options.requestId} Error:`;
      if (timedOut) resolve({ error: { errorType: 'Sandbox.Timedout', errorMessage: `${id} Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds` } });
      else if (!reply) resolve({ error: { errorType: 'Runtime.ExitError', errorMessage: `${id} Runtime exited with error: ${signal ? `signal ${signal}` : `exit status ${code}`}` } });
      else resolve(reply);
    });
    child.send({ handler: options.handler, payload: options.payload, requestId: options.requestId, deadline: Date.now() + options.timeoutMs });
  });
}

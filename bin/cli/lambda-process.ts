import { fork } from 'child_process';
import * as path from 'path';

export interface LambdaInvocation {
  /** The handler file and its export, as the function's Handler setting names them. */
  readonly file: string;
  readonly exportName: string;
  readonly event: unknown;
  /** What the context's getRemainingTimeInMillis starts from: the function's timeout. */
  readonly remainingMs: number;
  /** The function's environment. */
  readonly env: NodeJS.ProcessEnv;
  /** Receives what the handler writes to stdout and stderr (its log lines). */
  readonly onLog?: (chunk: string) => void;
}

/**
 * Runs a Lambda handler file in a fresh Node process, as Lambda runs it: its own module cache and environment,
 * the event and a context with the remaining time. Resolves with the handler's response; rejects with its error.
 */
export function invokeInLambdaProcess<T>(invocation: LambdaInvocation): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'lambda-runtime.mjs'), { env: invocation.env, silent: true });
    const onLog = invocation.onLog ?? (() => undefined);
    child.stdout!.on('data', (chunk: Buffer) => onLog(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => onLog(chunk.toString()));
    child.once('message', (reply: { response?: T; error?: string }) =>
      reply.error === undefined ? resolve(reply.response as T) : reject(new Error(reply.error)));
    child.once('exit', (code) => code !== 0 && reject(new Error(`the handler process exited with ${code}`)));
    child.send({ file: invocation.file, exportName: invocation.exportName, event: invocation.event, remainingMs: invocation.remainingMs });
  });
}

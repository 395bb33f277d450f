// The Lambda Node.js runtime, for one invocation in a fresh process: loads the function's handler from
// LAMBDA_TASK_ROOT as the runtime does (index.js, .mjs or .cjs, by import()), calls it with the event and a context,
// and answers the parent { result } (the JSON payload) or { error } in the runtime's own error format:
// { errorType: error.name, errorMessage: error.message, trace: error.stack split into lines }.
// Plain JavaScript: TypeScript would compile import() to require().
import { existsSync } from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';

// Exits once the reply is sent and stdout flushed: a pipe cut at exit would lose the end of a long log line.
const reply = (message) => process.send(message, () => process.stdout.write('', () => process.exit(0)));
const errorOf = (e, fallbackType) => (e instanceof Error
  ? { errorType: e.name, errorMessage: e.message, trace: e.stack?.split('\n') ?? [] }
  : { errorType: fallbackType ?? typeof e, errorMessage: String(e), trace: [] });

process.on('unhandledRejection', (e) => reply({ error: { ...errorOf(e), errorType: 'Runtime.UnhandledPromiseRejection' } }));
process.on('uncaughtException', (e) => reply({ error: errorOf(e) }));

process.once('message', async ({ handler, payload, requestId, deadline }) => {
  // Lambda's runtime stays connected to its Runtime API until the handler settles: a handler whose promise never
  // settles times out, rather than ending with an empty event loop.
  setInterval(() => undefined, 60_000);
  const separator = handler.lastIndexOf('.');
  const [moduleName, exportName] = [handler.slice(0, separator), handler.slice(separator + 1)];
  const base = path.resolve(process.env.LAMBDA_TASK_ROOT, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((extension) => base + extension).find((candidate) => existsSync(candidate));
  if (!file) return reply({ error: { errorType: 'Runtime.ImportModuleError', errorMessage: `Error: Cannot find module '${moduleName}'`, trace: [] } });
  let handle;
  try {
    const module = await import(pathToFileURL(file).href);
    handle = module[exportName] ?? module.default?.[exportName];
  } catch (e) {
    return reply({ error: { ...errorOf(e), errorType: 'Runtime.ImportModuleError' } });
  }
  if (typeof handle !== 'function') {
    return reply({ error: { errorType: 'Runtime.HandlerNotFound', errorMessage: `${handler} is undefined or not exported`, trace: [] } });
  }
  const context = {
    awsRequestId: requestId,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: process.env.EMULATOR_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handle(JSON.parse(payload), context);
    reply({ result: JSON.stringify(result ?? null) });
  } catch (e) {
    reply({ error: errorOf(e) });
  }
});

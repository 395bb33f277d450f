// The child side of invokeInLambdaProcess: loads a handler file in a fresh Node process, as Lambda does (with
// import(), so that both CommonJS and ES module handlers load), runs one { file, exportName, event, remainingMs }
// message, and answers { response } or { error }. Plain JavaScript: TypeScript would compile import() to require().
import { pathToFileURL } from 'url';

process.once('message', async ({ file, exportName, event, remainingMs }) => {
  const end = Date.now() + remainingMs;
  const context = { awsRequestId: `local-${process.pid}`, getRemainingTimeInMillis: () => end - Date.now() };
  try {
    const handler = (await import(pathToFileURL(file).href))[exportName];
    const response = await handler(event, context);
    process.send({ response: response ?? {} }, () => process.exit(0));
  } catch (e) {
    process.send({ error: e.message }, () => process.exit(0));
  }
});

/**
 * The child side of invokeInLambdaProcess: loads a handler file in a fresh Node process, as Lambda does, runs one
 * { file, exportName, event, remainingMs } message, and answers { response } or { error }.
 */
process.once('message', async ({ file, exportName, event, remainingMs }: { file: string; exportName: string; event: unknown; remainingMs: number }) => {
  const end = Date.now() + remainingMs;
  const context = { awsRequestId: `local-${process.pid}`, getRemainingTimeInMillis: () => end - Date.now() };
  try {
    const response = await require(file)[exportName](event, context);
    process.send!({ response: response ?? {} }, () => process.exit(0));
  } catch (e) {
    process.send!({ error: (e as Error).message }, () => process.exit(0));
  }
});

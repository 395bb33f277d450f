// Runs the shipped handler bundle in its own Node process, as Lambda does: the parent sends one
// { event, remainingMs } message and receives { response } or { error }.
const { handler } = require('../../assets/handler/index.js');

process.once('message', async ({ event, remainingMs }) => {
  const end = Date.now() + remainingMs;
  const context = { awsRequestId: 'lambda-req-1', getRemainingTimeInMillis: () => end - Date.now() };
  try {
    process.send({ response: await handler(event, context) }, () => process.exit(0));
  } catch (e) {
    process.send({ error: e.message }, () => process.exit(0));
  }
});

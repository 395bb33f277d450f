import { parseArgs } from 'util';
import { Emulator } from './emulator';

/** Runs the emulator as its own process: `npm run emulator -- --port 4599 [--state-dir DIR]`. Prints the endpoint URL. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'port': { type: 'string', default: '0' },
      'host': { type: 'string', default: '127.0.0.1' },
      'initial-revision': { type: 'string' },
      'exclusions-without-deny-some': { type: 'string' },
      'latency-ms': { type: 'string' },
      'state-dir': { type: 'string' },
    },
  });
  const mode = values['exclusions-without-deny-some'];
  if (mode !== undefined && !['accept', 'ignore', 'reject'].includes(mode)) {
    throw new Error(`--exclusions-without-deny-some must be accept, ignore or reject, not ${mode}`);
  }
  const emulator = new Emulator({
    ...(values['initial-revision'] !== undefined && { initialRevision: Number(values['initial-revision']) }),
    ...(mode !== undefined && { exclusionsWithoutDenySome: mode as 'accept' | 'ignore' | 'reject' }),
    ...(values['latency-ms'] !== undefined && { latencyMs: Number(values['latency-ms']) }),
  }, values['state-dir']);
  const url = await emulator.start(Number(values.port), values.host);
  console.log(`AWS emulator (Partner Central Account, STS, CloudFormation, Lambda) listening on ${url}`);
  console.log(`Point the SDK at it: AWS_ENDPOINT_URL=${url}`);
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});

import { existsSync } from 'fs';
import * as path from 'path';

/**
 * The Node.js version that stands in for each Lambda runtime the local Lambda can run. The binaries come from the npm
 * registry's `node` package (`npm run lambda-node`, which `npm ci` runs), so that a function runs on the major that
 * its runtime declares, not on whatever Node runs the tests.
 */
export const NODE_OF_RUNTIME: Record<string, string> = {
  'nodejs24.x': '24.21.0',
};

/** Where `npm run lambda-node` installs them: under node_modules, so that `npm ci` starts them afresh. */
export const LAMBDA_RUNTIMES_DIR = path.join(__dirname, '..', 'node_modules', '.lambda-runtimes');

export interface RuntimeNode {
  /** The Node binary to run the function with. */
  readonly execPath: string;
  /** False when the runtime's own Node is not installed and this machine's Node stands in. */
  readonly matchesRuntime: boolean;
}

export function nodeOfRuntime(runtime: string): RuntimeNode {
  if (!runtime.startsWith('nodejs')) throw new Error(`runtime ${runtime} is not supported by the local Lambda; it runs Node.js functions only`);
  const installed = path.join(LAMBDA_RUNTIMES_DIR, runtime, 'node_modules', 'node', 'bin', 'node');
  if (NODE_OF_RUNTIME[runtime] && existsSync(installed)) return { execPath: installed, matchesRuntime: true };
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  return { execPath: process.execPath, matchesRuntime: process.versions.node.split('.')[0] === major };
}

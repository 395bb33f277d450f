#!/usr/bin/env node
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';
import { LAMBDA_RUNTIMES_DIR, NODE_OF_RUNTIME } from '../emulator/lambda-runtimes';

/**
 * `npm run lambda-node` (run by `npm ci`): installs, from the npm registry's `node` package, the Node.js binary of
 * each Lambda runtime the local Lambda knows, so that the handler and aws-cdk-lib's Provider framework run locally on
 * the Node major their runtime declares. Without network it warns and leaves the local Lambda on this machine's Node.
 */
for (const [runtime, version] of Object.entries(NODE_OF_RUNTIME)) {
  const prefix = path.join(LAMBDA_RUNTIMES_DIR, runtime);
  const binary = path.join(prefix, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(binary) && execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim() === `v${version}`) continue;
  try {
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel', 'error', `node@${version}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    console.log(`Lambda runtime ${runtime}: Node ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()} in ${path.relative(process.cwd(), prefix)}`);
  } catch (e: any) {
    console.warn(`Could not install Node ${version} for the local Lambda's ${runtime} (${e.stderr?.toString().trim() || e.message}); `
      + `functions will run on this machine's Node ${process.version}. Run 'npm run lambda-node' to try again.`);
  }
}

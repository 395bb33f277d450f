#!/usr/bin/env node
import { execFileSync } from 'child_process';
import * as path from 'path';
import { deployLocally } from './cli/local-deploy';

/**
 * `npm run deploy:local [-- <cdk synth options>]`: synthesizes the app of cdk.json and deploys its
 * ConnectionPreferences to the embedded Partner Central emulator, whose state is kept in .local-deploy/.
 * No AWS account is involved.
 */
async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const assemblyDir = path.join(root, 'cdk.out');
  const stateDir = process.env.LOCAL_DEPLOY_STATE_DIR ?? path.join(root, '.local-deploy');
  try {
    execFileSync(process.execPath, [require.resolve('aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', assemblyDir, ...process.argv.slice(2)], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e: any) {
    console.error(`Synth failed:\n${e.stderr?.toString().trim() || e.message}`);
    process.exit(1);
  }
  console.log(`Deploying to the local Partner Central emulator (state in ${path.relative(process.cwd(), stateDir) || '.'})\n`);
  const ok = await deployLocally({ assemblyDir, stateDir, print: (line) => console.log(line) });
  console.log(ok ? '\nLocal deploy complete.' : `\nLocal deploy FAILED. The handler's log: ${path.join(stateDir, 'handler.log')}`);
  process.exit(ok ? 0 : 1);
}

void main();

import { mkdtempSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Environment, Stack } from 'aws-cdk-lib';

/**
 * Synthesizes an app with one stack per entry into a fresh directory, as the CDK CLI would (asset metadata on),
 * and returns the directory.
 */
export function synthesizeApp(stacks: Record<string, (stack: Stack) => void>, env?: Environment): string {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
  for (const [name, build] of Object.entries(stacks)) build(new Stack(app, name, { env }));
  app.synth();
  return outdir;
}

export const tempDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

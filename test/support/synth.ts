import { mkdtempSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Environment, Stack } from 'aws-cdk-lib';

/**
 * Synthesizes an app with one stack per entry into a fresh directory, as the CDK CLI would (asset metadata on),
 * and returns the directory. It is in the test file's temp folder, like tempDir's.
 */
export function synthesizeApp(stacks: Record<string, (stack: Stack) => void>, env?: Environment): string {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'assembly-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
  for (const [name, build] of Object.entries(stacks)) build(new Stack(app, name, { env }));
  app.synth();
  return outdir;
}

/**
 * A fresh folder in the test file's own temp folder, which is removed after the file (see tidy-environment.ts):
 * tests need not remove it, unless it is too big to keep until the file ends.
 */
export const tempDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** The message of what `action` throws; fails the test when it throws nothing. */
export function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, and there was none');
}

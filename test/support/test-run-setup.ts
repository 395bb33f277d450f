import { mkdtempSync, realpathSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUN_TEMP_ROOT, TMPDIR_BEFORE_RUN } from './test-run';

/**
 * Jest's global setup: gives the run a temp root of its own, which the global teardown checks and removes.
 * The test workers start after this and inherit TMPDIR, so even what runs outside a test file lands in the root.
 */
export default function setUpTestRun(): void {
  const root = mkdtempSync(path.join(realpathSync(os.tmpdir()), 'test-run-'));
  if (process.env.TMPDIR !== undefined) process.env[TMPDIR_BEFORE_RUN] = process.env.TMPDIR;
  process.env[RUN_TEMP_ROOT] = root;
  process.env.TMPDIR = root;
}

import { readdirSync, rmSync } from 'fs';
import * as path from 'path';
import { describeProcess, kill, liveProcesses, RUN_TEMP_ROOT, TMPDIR_BEFORE_RUN } from './test-run';

/**
 * Jest's global teardown: fails the run, naming them, if anything escaped the test files' own cleanup: entries in
 * the run's temp root (each file's folder is removed after the file, so anything there was written outside a
 * file's folder, or after the file) and processes started by a test that still run. Then removes both.
 */
export default function tearDownTestRun(): void {
  const root = process.env[RUN_TEMP_ROOT]!;
  const before = process.env[TMPDIR_BEFORE_RUN];
  if (before === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = before;
  delete process.env[TMPDIR_BEFORE_RUN];
  delete process.env[RUN_TEMP_ROOT];

  // A test file's processes have TMPDIR inside the root (the workers and this process have the root itself).
  const processes = liveProcesses().filter((p) => p.tmpdir?.startsWith(root + path.sep));
  const entries = readdirSync(root);
  kill(processes);
  rmSync(root, { recursive: true, force: true, maxRetries: 3 });

  if (processes.length > 0 || entries.length > 0) {
    throw new Error([
      'The tests left things behind (now removed). A test must stop the processes it starts and may only write to os.tmpdir().',
      ...processes.map((p) => `  process still running, started while TMPDIR was ${path.relative(root, p.tmpdir!)}: ${describeProcess(p)}`),
      ...entries.map((entry) => `  in the run's temp root ${root}: ${entry}`),
    ].join('\n'));
  }
}

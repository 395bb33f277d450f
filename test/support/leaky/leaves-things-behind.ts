import { spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';

// Not part of the suite: test/support/tidy-runs.test.ts runs it in a jest run of its own, which must fail.
test('leaves behind one of each thing a test can leave behind', async () => {
  spawn('sleep', ['300'], { stdio: 'ignore' });
  // The shell ends at once; its sleep lives on, no longer a child of this process.
  spawn('sh', ['-c', 'sleep 301 &'], { stdio: 'ignore' });
  await new Promise<void>((resolve) => createServer().listen(0, '127.0.0.1', resolve));
  writeFileSync(path.join(os.tmpdir(), '..', 'written-outside-its-folder.txt'), '');
});

import { spawnSync } from 'child_process';
import { readdirSync } from 'fs';
import * as path from 'path';
import { liveProcesses } from './test-run';
import { tempDir } from './synth';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..');

test('a test file that leaves things behind fails the run, which names each of them and removes them', () => {
  const tmpdir = tempDir('tidy-run-');
  const run = spawnSync(process.execPath, [
    require.resolve('jest/bin/jest'), '--config', path.join(root, 'jest.config.js'), '--ci',
    '--roots', path.join(__dirname, 'leaky'), '--testMatch', '**/leaves-things-behind.ts',
  ], { cwd: root, env: { ...process.env, TMPDIR: tmpdir }, encoding: 'utf8', timeout: 100_000 });
  const output = run.stdout + run.stderr;

  expect(run.status).toBe(1);
  // The test file's own teardown names what it started and left running.
  expect(output).toMatch(/FAIL .*leaves-things-behind\.ts/);
  expect(output).toMatch(/a process still running, pid \d+: sleep 300/);
  expect(output).toMatch(/a server still listening on 127\.0\.0\.1:\d+/);
  // The run's teardown names what escaped the test file.
  expect(output).toMatch(/process still running, started while TMPDIR was leaves-things-behind\.ts-\w+: pid \d+: sleep 301/);
  expect(output).toMatch(/in the run's temp root .*: written-outside-its-folder\.txt/);

  expect(readdirSync(tmpdir)).toEqual([]);
  expect(liveProcesses().filter((p) => p.tmpdir?.startsWith(tmpdir))).toEqual([]);
});

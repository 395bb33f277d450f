import { existsSync, readdirSync, readFileSync } from 'fs';

/**
 * A test run's temp root, made by the global setup. Each test file's TMPDIR is a folder inside it, so a process
 * started by a test carries the run root in its TMPDIR, whichever process it was reparented to.
 */
export const RUN_TEMP_ROOT = 'TEST_RUN_TEMP_ROOT';
/** TMPDIR as it was before the run, so that the run can put it back. */
export const TMPDIR_BEFORE_RUN = 'TEST_RUN_TMPDIR_BEFORE';

export interface ProcessInfo {
  readonly pid: number;
  readonly parentPid: number;
  readonly commandLine: string;
  /** TMPDIR in the environment the process was started with. */
  readonly tmpdir?: string;
}

/**
 * The live processes (zombies, which hold nothing, left out), read from /proc. Linux only: elsewhere there is no
 * /proc, and the process checks find nothing.
 */
export function liveProcesses(): ProcessInfo[] {
  if (!existsSync('/proc/self/stat')) return [];
  const processes: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may hold spaces and parentheses; the fields after the last ')' do not.
      const [state, parentPid] = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\)\s/s, '').split(' ');
      if (state === 'Z' || state === 'X') continue;
      const environment = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      processes.push({
        pid: Number(entry),
        parentPid: Number(parentPid),
        commandLine: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim(),
        tmpdir: environment.find((v) => v.startsWith('TMPDIR='))?.slice('TMPDIR='.length),
      });
    } catch {
      // It ended while being read, or is not ours to read.
    }
  }
  return processes;
}

export const describeProcess = (p: ProcessInfo) => `pid ${p.pid}: ${p.commandLine}`;

/** Kills each of the processes; one that has ended meanwhile is no error. */
export function kill(processes: ProcessInfo[]): void {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

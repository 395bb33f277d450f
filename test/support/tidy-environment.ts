import { mkdtempSync, rmSync } from 'fs';
import { Server } from 'net';
import * as path from 'path';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';
import { describeProcess, kill, liveProcesses, RUN_TEMP_ROOT } from './test-run';

/** How long a process or server that a test has just stopped may take to go, before it counts as left behind. */
const GRACE_MS = 3_000;

/** The servers listening in this process. Node has no public API that lists them with their addresses. */
const listeningServers = (): Server[] => (process as any)._getActiveHandles().filter((h: unknown) => h instanceof Server && h.listening);
const describeServer = (server: Server) => {
  const address = server.address();
  return typeof address === 'string' ? address : `${address?.address}:${address?.port}`;
};
/** The processes this worker started that still run. */
const children = () => liveProcesses().filter((p) => p.parentPid === process.pid);

/**
 * Jest's node environment, tidy: each test file gets a temp folder of its own, which is removed after the file.
 * TMPDIR points at it while the file runs: os.tmpdir() reads TMPDIR at each call, and child processes inherit it.
 * A file that leaves a child process running or a server listening fails, naming them; they are stopped.
 */
export default class TidyEnvironment extends TestEnvironment {
  private readonly runTempRoot: string;
  private readonly tempFolder: string;
  private readonly serversBefore: Set<Server>;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const root = process.env[RUN_TEMP_ROOT];
    if (!root) throw new Error(`${RUN_TEMP_ROOT} is not set: run the tests with jest.config.js, whose global setup makes the run's temp root`);
    this.runTempRoot = root;
    this.tempFolder = mkdtempSync(path.join(root, `${path.basename(context.testPath)}-`));
    // The worker's own environment, which os.tmpdir() and child processes read, and the test file's copy of it.
    process.env.TMPDIR = this.tempFolder;
    this.global.process.env.TMPDIR = this.tempFolder;
    this.serversBefore = new Set(listeningServers());
  }

  async teardown(): Promise<void> {
    try {
      const leftBehind = await this.leftBehindAfterGrace();
      if (leftBehind.length > 0) {
        kill(children());
        for (const server of this.newServers()) server.close();
        throw new Error(`the test file left behind (now stopped):\n  ${leftBehind.join('\n  ')}`);
      }
    } finally {
      process.env.TMPDIR = this.runTempRoot;
      rmSync(this.tempFolder, { recursive: true, force: true, maxRetries: 3 });
      await super.teardown();
    }
  }

  private async leftBehindAfterGrace(): Promise<string[]> {
    const deadline = Date.now() + GRACE_MS;
    for (;;) {
      const leftBehind = [
        ...children().map((p) => `a process still running, ${describeProcess(p)}`),
        ...this.newServers().map((server) => `a server still listening on ${describeServer(server)}`),
      ];
      if (leftBehind.length === 0 || Date.now() > deadline) return leftBehind;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private newServers(): Server[] {
    return listeningServers().filter((server) => !this.serversBefore.has(server));
  }
}

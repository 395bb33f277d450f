import type { StoredStack } from '../../emulator/cloudformation-stack-operation';
import { runInLambdaProcess } from '../../emulator/lambda-process';
import { handler, type CheckReport } from '../../lambda/monitor';
import { MONITOR_ENVIRONMENT, type MonitorModeValue } from '../../lib/monitor-contract';
import { RESOURCE_TYPE } from '../../lib/resource-properties';
import { BUNDLE_DIR, lambdaContext, RUNTIME_NODE } from './events';

const REGION = 'eu-west-1';

/** What one check returned and logged, each log line parsed. */
export interface CheckRun {
  readonly report: CheckReport;
  readonly lines: Record<string, any>[];
}

export type MonitorRunner = (event?: unknown) => Promise<CheckRun>;

/** The monitor's stack as CloudFormation keeps it: a template with these ConnectionPreferences (properties as the construct writes them). */
export function monitoredStack(account: string, resources: Record<string, Record<string, unknown>>, status = 'UPDATE_COMPLETE'): StoredStack {
  const stackName = 'Monitored';
  return {
    StackName: stackName, StackId: `arn:aws:cloudformation:${REGION}:${account}:stack/${stackName}/0a1b2c`, Account: account, Region: REGION,
    StackStatus: status, Resources: {}, CreationTime: '2026-11-01T00:00:00.000Z', LastUpdatedTime: '2026-11-02T00:00:00.000Z',
    Template: {
      Resources: Object.fromEntries(Object.entries(resources).map(([logicalId, properties]) => [logicalId, {
        Type: RESOURCE_TYPE,
        Properties: { ServiceToken: `arn:aws:lambda:${REGION}:${account}:function:framework`, ...properties },
        Metadata: { 'aws:cdk:path': `${stackName}/${logicalId}/Resource/Default` },
      }])),
    },
  } as StoredStack;
}

/** Sets the environment the construct gives the function. */
export function monitorEnvironment(stack: StoredStack, mode: MonitorModeValue): void {
  process.env[MONITOR_ENVIRONMENT.stackId] = stack.StackId;
  process.env[MONITOR_ENVIRONMENT.mode] = mode;
}

/** The TypeScript source, in this process, its log lines captured from console.log. */
export const runSource: MonitorRunner = async (event = { 'detail-type': 'Scheduled Event' }) => {
  const lines: Record<string, any>[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(JSON.parse(line)));
  try {
    return { report: await handler(event, lambdaContext()), lines };
  } finally {
    spy.mockRestore();
  }
};

/** The bundle the package ships, as Lambda runs it: its own process, on the runtime's Node. */
export const runBundle: MonitorRunner = async (event = { 'detail-type': 'Scheduled Event' }) => {
  let output = '';
  const { result, error } = await runInLambdaProcess({
    execPath: RUNTIME_NODE, codeDirectory: BUNDLE_DIR, handler: 'monitor.handler', payload: JSON.stringify(event),
    requestId: 'monitor-req-1', timeoutMs: 120_000, env: process.env, onLog: (text) => void (output += text),
  });
  if (error) throw new Error(`${error.errorType}: ${error.errorMessage}`);
  return { report: JSON.parse(result!), lines: output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)) };
};

export const MONITOR_RUNNERS: [string, MonitorRunner][] = [['source', runSource], ['bundle', runBundle]];

/** The check lines (one per resource), by logical id. */
export function checkLines(run: CheckRun): Record<string, Record<string, any>> {
  return Object.fromEntries(run.lines.filter((l) => l.message === 'check').map((l) => [l.logicalId, l]));
}

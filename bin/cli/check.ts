import { randomUUID } from 'crypto';
import type { Emulator } from '../../emulator/emulator';
import type { FunctionConfiguration } from '../../emulator/lambda';
import type { CheckReport } from '../../lambda/monitor';
import { MONITOR_ENVIRONMENT } from '../../lib/monitor-contract';
import { InputError } from './input-error';
import type { CheckOptions } from './local-options';

/** What a check command prints, and its exit code: 0 in sync, 2 drift found, 1 a check failed. */
export interface CheckOutcome {
  readonly code: 0 | 1 | 2;
  readonly stdout: string;
}

/**
 * Runs every monitor of a local deploy once, as EventBridge would on its schedule: an asynchronous invocation of
 * the deployed function (the bundle the package ships, on its runtime's Node) with a scheduled event. Shows what it
 * would produce on AWS: the metrics CloudWatch makes of its Embedded Metric Format lines, the events it put on the
 * default bus, and its log.
 */
export async function checkLocally(emulator: Emulator, options: CheckOptions): Promise<CheckOutcome> {
  const monitors = [...emulator.lambda.functions.values()].filter((fn) => fn.Variables[MONITOR_ENVIRONMENT.stackId] !== undefined);
  const chosen = monitors.filter((fn) => options.stack === undefined || stackNameOf(fn) === options.stack);
  if (chosen.length === 0) {
    throw new InputError(monitors.length === 0
      ? `--local: the local deploy in ${options.local} has no ConnectionPreferencesMonitor: add one to the app's stack and run 'npm run deploy:local'`
      : `--stack ${options.stack}: no monitor of that stack; the monitored stacks are ${monitors.map(stackNameOf).join(', ')}`);
  }
  const checks: { text: string; outcome: CheckOutcome['code'] }[] = [];
  for (const fn of chosen) checks.push(await checkOnce(emulator, fn));
  const outcomes = checks.map((c) => c.outcome);
  return { code: outcomes.includes(1) ? 1 : outcomes.includes(2) ? 2 : 0, stdout: checks.map((c) => c.text).join('\n\n') };
}

async function checkOnce(emulator: Emulator, fn: FunctionConfiguration): Promise<{ text: string; outcome: 0 | 1 | 2 }> {
  const [, , , region, account] = fn.FunctionArn.split(':');
  let output = '';
  emulator.lambda.logObserver = (logGroup, text) => void (logGroup === fn.LogGroup && (output += text));
  const eventsBefore = emulator.eventBridge.events.length;
  const answer = await emulator.lambda.invokeAsync(fn.FunctionName, JSON.stringify(scheduledEvent(account, region)));
  emulator.lambda.logObserver = undefined;
  const logLines = output.split('\n').filter((line) => line.trim() !== '');
  const events = emulator.eventBridge.events.slice(eventsBefore).filter((e) => e.account === account && e.region === region);
  const lines = [`Stack ${stackNameOf(fn)} (account ${account}, region ${region}): its monitor, ${fn.Variables[MONITOR_ENVIRONMENT.mode]} mode, checked once as its schedule would`];
  if (answer.functionError) {
    lines.push(`  the function failed: ${answer.payload.slice(0, 500)}`);
    return { text: [...lines, ...logSection(fn, logLines)].join('\n'), outcome: 1 };
  }
  const report = JSON.parse(answer.payload) as CheckReport;
  if (report.outcome !== 'checked') lines.push(`  check ${report.outcome}: ${report.reason ?? `the stack is ${report.stackStatus}`}`);
  for (const r of report.resources) {
    const detail = r.outcome === 'drifted' ? ` (live differs from declared: ${r.difference})` : r.outcome === 'failed' ? `: ${r.reason}` : '';
    const reconcile = r.reconcile ? `; reconcile ${r.reconcile.outcome}${r.reconcile.revision !== undefined ? ` (revision ${r.reconcile.revision})` : ''}${r.reconcile.reason ? `: ${r.reconcile.reason}` : ''}` : '';
    lines.push(`  ${r.resource}, the ${r.catalog} catalog of ${r.account}: ${r.outcome}${detail}${reconcile}`);
  }
  lines.push('', '  Metrics (CloudWatch makes them of the Embedded Metric Format log lines):', ...metricLines(logLines));
  lines.push('', `  Events (EventBridge, default bus of ${account} in ${region}):`);
  lines.push(...(events.length === 0 ? ['    none'] : events.flatMap((e) => [`    ${e.detailType}, source ${e.source}`, ...JSON.stringify(e.detail, null, 2).split('\n').map((l) => `      ${l}`)])));
  lines.push('', ...logSection(fn, logLines));
  const failed = report.outcome === 'failed' || report.resources.some((r) => r.outcome === 'failed' || r.reconcile?.outcome === 'failed');
  return { text: lines.join('\n'), outcome: failed ? 1 : report.resources.some((r) => r.outcome === 'drifted') ? 2 : 0 };
}

function logSection(fn: FunctionConfiguration, logLines: string[]): string[] {
  return [`  Log (${fn.LogGroup}):`, ...logLines.map((line) => `    ${line}`)];
}

/** Each metric value of the EMF lines, with its dimension sets, as CloudWatch would record it. */
function metricLines(logLines: string[]): string[] {
  const found: string[] = [];
  for (const line of logLines) {
    let record: any;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    for (const directive of record?._aws?.CloudWatchMetrics ?? []) {
      const values = directive.Metrics.map((m: { Name: string }) => `${m.Name} ${record[m.Name]}`).join(', ');
      const dimensions = directive.Dimensions.map((set: string[]) => `{${set.map((d) => `${d}: ${record[d]}`).join(', ')}}`).join(' and ');
      found.push(`    ${directive.Namespace}: ${values}, by ${dimensions}`);
    }
  }
  return found.length > 0 ? found : ['    none'];
}

function stackNameOf(fn: FunctionConfiguration): string {
  return fn.Variables[MONITOR_ENVIRONMENT.stackId].split('/')[1];
}

/** The event that a scheduled EventBridge rule sends its target. */
function scheduledEvent(account: string, region: string) {
  return {
    'version': '0', 'id': randomUUID(), 'detail-type': 'Scheduled Event', 'source': 'aws.events', account,
    'time': new Date().toISOString().replace(/\.\d+Z$/, 'Z'), region, 'resources': [`arn:aws:events:${region}:${account}:rule/local-check`], 'detail': {},
  };
}

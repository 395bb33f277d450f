import type { Difference } from '../../lambda/converge';
import { SERVICE_TEXT, shorten, summarise } from '../../lib/summary';
import type { Drift } from './deploy-decision';
import type { PlanReport, ResourcePlan } from './plan';

export const FORMATS = ['text', 'json', 'markdown'] as const;
export type Format = typeof FORMATS[number];

export function formatReport(report: PlanReport, format: Format, source: string): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (report.resources.length === 0) return `No ConnectionPreferences in ${source}: nothing to plan.`;
  return format === 'markdown' ? formatMarkdown(report) : formatText(report);
}

/** What the deploy does about a change made outside the stack, after "a deploy". */
const DRIFT_OUTCOME: Record<Drift['deploy'], string> = {
  overwrites: 'overwrites it with the declared preferences',
  fails: 'fails on this resource without writing (driftPolicy FAIL): declare the change to keep it, or deploy once with DriftPolicy.OVERWRITE',
  leaves: 'leaves it: the resource\'s properties are unchanged, so CloudFormation does not invoke it',
};

/** The plan for a terminal or a CI log: every identifier. */
export function formatText(report: PlanReport): string {
  const lines: string[] = [];
  for (const plan of report.resources) {
    const where = `${plan.catalog} catalog${plan.account ? ` of ${plan.account}` : ''}${plan.live ? `, live revision ${plan.live.revision}` : ''}`;
    lines.push(`${plan.resource}  (${where})`);
    if (plan.status === 'error') lines.push(`  ! error: ${plan.error}`);
    if (plan.status === 'unchanged') lines.push('  = no change');
    if (plan.status === 'change' && plan.changes) {
      const { accessType, exclusionsAdded, exclusionsRemoved } = plan.changes;
      if (accessType) lines.push(`  ~ access type: ${accessType.from} → ${accessType.to}`);
      exclusionsAdded.forEach((id) => lines.push(`  + exclude ${id}`));
      exclusionsRemoved.forEach((id) => lines.push(`  - exclude ${id}`));
    }
    if (plan.drift) lines.push(`  ! changed outside the stack since the last deploy: ${plan.drift.description}`, `    a deploy ${DRIFT_OUTCOME[plan.drift.deploy]}`);
    if (plan.request === 'Create') lines.push('  (not deployed yet: a deploy creates it and adopts the live state)');
  }
  lines.push('', `${summaryLine(report)}.`);
  return lines.join('\n');
}

/** `Plan: 1 to change, 0 unchanged, 0 errors, 1 changed outside their stack`, and what else needs a look. */
function summaryLine({ summary }: PlanReport): string {
  return `Plan: ${summary.change} to change, ${summary.unchanged} unchanged, ${summary.error} errors, ${summary.changedOutside} changed outside their stack`
    + (summary.blocked > 0 ? `, ${summary.blocked} that would fail the deploy` : '')
    + (summary.outOfSync > 0 ? `, ${summary.outOfSync} that a deploy would leave as changed` : '');
}

/** GitHub cuts a comment at 65,536 characters; the rest of the comment (a header, a link) needs some room. */
export const MARKDOWN_MAX_CHARS = 60_000;

/**
 * How much detail the markdown gives: each level drops some, until the comment fits in MARKDOWN_MAX_CHARS; the
 * last lists only as many rows as fit, and says how many it left out.
 */
const DETAIL = [
  { identifiers: true, unchangedRows: true, textLength: SERVICE_TEXT },
  { identifiers: false, unchangedRows: true, textLength: { wholeUpTo: 120, start: 100 } },
  { identifiers: false, unchangedRows: false, textLength: { wholeUpTo: 120, start: 100 } },
];
type Detail = typeof DETAIL[number];

/**
 * The plan as a pull-request comment: a summary line, a table of what a deploy changes, the changes made outside
 * the stacks, the errors, and the unchanged resources folded away. Long lists show their first identifiers and a
 * count; a plan too long for one comment loses detail, then rows, and says so.
 */
export function formatMarkdown(report: PlanReport): string {
  for (const detail of DETAIL) {
    const text = markdownOf(report, detail, Infinity);
    if (text.length <= MARKDOWN_MAX_CHARS) return text;
  }
  const last = DETAIL[DETAIL.length - 1];
  let rows = report.resources.length;
  let text: string;
  do {
    rows = Math.floor(rows * 0.9);
    text = markdownOf(report, last, rows);
  } while (text.length > MARKDOWN_MAX_CHARS && rows > 0);
  return text;
}

function markdownOf(report: PlanReport, detail: Detail, maxRows: number): string {
  const cell = (text: string) => escapeMarkdown(shorten(text.replace(/\s+/g, ' '), detail.textLength));
  const name = (p: ResourcePlan) => `${cell(p.stack)} | ${cell(p.resource)} | ${p.account ?? '—'} | ${cell(p.catalog)}`;
  let rowsLeft = maxRows;
  let rowsCut = 0;
  /** A table of as many of the rows as the budget has room for. */
  const table = (columns: string, rows: string[]) => {
    const shown = rows.slice(0, Math.max(0, rowsLeft));
    rowsLeft -= shown.length;
    rowsCut += rows.length - shown.length;
    return `| ${columns} |\n|${' --- |'.repeat(columns.split('|').length)}\n${shown.map((r) => `| ${r} |`).join('\n')}`;
  };
  const sections = [`### Connection preferences plan\n\n**${summaryLine(report)}.**`];
  const changing = report.resources.filter((p) => p.status === 'change' || p.status === 'blocked' || p.status === 'out-of-sync');
  if (changing.length > 0) {
    sections.push(`#### What a deploy changes\n\n${table('stack | resource | account | catalog | change', changing.map((p) => `${name(p)} | ${
      p.status === 'change' ? differenceCell(p.changes!, detail) : p.status === 'blocked' ? '**fails**: changed outside the stack, see below' : 'nothing: see below'
    }${p.request === 'Create' ? ' (not deployed yet)' : ''}`))}`);
  }
  const drifted = report.resources.filter((p) => p.drift);
  if (drifted.length > 0) {
    sections.push(`#### Changed outside the stack since the last deploy\n\n${table('stack | resource | account | catalog | what changed | a deploy',
      drifted.map((p) => `${name(p)} | ${differenceCell(p.drift!.changes, detail)} | ${cell(DRIFT_OUTCOME[p.drift!.deploy])}`))}`);
  }
  const errors = report.resources.filter((p) => p.status === 'error');
  if (errors.length > 0) sections.push(`#### Errors\n\n${table('stack | resource | account | catalog | error', errors.map((p) => `${name(p)} | ${cell(p.error ?? 'unknown')}`))}`);
  const unchanged = report.resources.filter((p) => p.status === 'unchanged');
  if (unchanged.length > 0 && detail.unchangedRows) {
    // Folded away: a reviewer opens it to check that a resource is covered.
    sections.push(`<details><summary>${unchanged.length} unchanged</summary>\n\n${table('stack | resource | account | catalog', unchanged.map(name))}\n\n</details>`);
  } else if (unchanged.length > 0) {
    sections.push(`${unchanged.length} unchanged resources are not listed.`);
  }
  if (rowsCut > 0) sections.push(`**${rowsCut} more rows did not fit in one comment**: the job's log has the whole plan (\`--format text\` or \`--format json\`).`);
  return `${sections.join('\n\n')}\n`;
}

/** `access type ALLOW_ALL → DENY_SOME; +3 exclusions: a, b, c; −100 exclusions: d, e, f and 97 more` */
function differenceCell({ accessType, exclusionsAdded, exclusionsRemoved }: Difference, detail: Detail): string {
  const ids = (list: string[]) => `exclusion${list.length === 1 ? '' : 's'}${detail.identifiers ? `: ${summarise(list.map((id) => code(shorten(id))))}` : ''}`;
  const parts = [
    ...(accessType ? [`access type ${code(accessType.from)} → ${code(accessType.to)}`] : []),
    ...(exclusionsAdded.length > 0 ? [`+${exclusionsAdded.length} ${ids(exclusionsAdded)}`] : []),
    ...(exclusionsRemoved.length > 0 ? [`−${exclusionsRemoved.length} ${ids(exclusionsRemoved)}`] : []),
  ];
  return parts.join('; ') || 'no difference';
}

/** A code span, in a table cell: backslashes are shown as they are there, but a pipe still ends the cell. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/** Text that GitHub would otherwise read as a table's edge, markup or HTML. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

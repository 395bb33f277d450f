import { readFileSync } from 'fs';
import * as path from 'path';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { DEFAULT_ACCOUNT, Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { formatMarkdown, MARKDOWN_MAX_CHARS } from '../bin/cli/plan-format';
import { PlanReport, reportOf, ResourcePlan } from '../bin/cli/plan';
import { runCommand } from './plan-command';
import { synthesizeApp } from './support/synth';

jest.setTimeout(120_000);

/** GitHub cuts a pull-request comment at this many characters. */
const GITHUB_COMMENT_MAX = 65_536;
const RESOURCES = 100;
const IDS = 100;
const accountOf = (i: number) => String(300000000000 + i);
/** 100 identifiers of 100 characters, a different set for each `kind` and resource. */
const identifiers = (kind: string, i: number) => Array.from({ length: IDS }, (_, j) => `${kind}-${i}-${j}-`.padEnd(100, 'x'));

/** One stack with 100 ConnectionPreferences, each managing its own account through a role, and one that cannot be planned. */
const centralApp = (kind: string) => synthesizeApp({
  Central: (stack: Stack) => {
    for (let i = 0; i < RESOURCES; i++) {
      new ConnectionPreferences(stack, `Prefs${i}`, {
        accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: identifiers(kind, i),
        assumeRoleArn: `arn:aws:iam::${accountOf(i)}:role/Preferences`,
      });
    }
  },
  Broken: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: new CfnParameter(stack, 'Access').valueAsString as AccessType }),
});

let emulator: Emulator;
let declared: string;
const plan = (...args: string[]) => runCommand(['plan', '--assembly', declared, '--endpoint', emulator.url, ...args]);

beforeAll(async () => {
  emulator = new Emulator();
  await emulator.start();
  // Deployed with one set of exclusions, changed outside the stack to another, and declared as a third: every
  // resource has 100 to add and 100 to remove, and a drift of 100 and 100; but the first, whose access type changed.
  const deployed = centralApp('deployed');
  emulator.cloudFormation.record({
    StackName: 'Central', StackId: `arn:aws:cloudformation:eu-west-1:${DEFAULT_ACCOUNT}:stack/Central/1`, Account: DEFAULT_ACCOUNT, Region: 'eu-west-1',
    Template: JSON.parse(readFileSync(path.join(deployed, 'Central.template.json'), 'utf8')), StackStatus: 'UPDATE_COMPLETE', Resources: {},
  });
  emulator.writeOutside(accountOf(0), 'AWS', { AccessType: 'ALLOW_ALL', ExcludedParticipantIds: [] });
  for (let i = 1; i < RESOURCES; i++) {
    emulator.writeOutside(accountOf(i), 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: identifiers('live', i) });
  }
  declared = centralApp('declared');
});
afterAll(() => emulator.stop());

describe('100 resources of 100 identifiers, read whole through a pipe', () => {
  test('text: every identifier, and the summary last', async () => {
    const run = await plan();
    expect(run.code).toBe(1);
    expect(run.stdout.length).toBeGreaterThan(2_000_000);
    expect(run.stdout.match(/^ {2}\+ exclude declared-/gm)).toHaveLength(RESOURCES * IDS);
    expect(run.stdout.match(/^ {2}- exclude live-/gm)).toHaveLength((RESOURCES - 1) * IDS);
    expect(run.stdout).toContain(`Central/Prefs0  (AWS catalog of ${accountOf(0)}, live revision 1)\n  ~ access type: ALLOW_ALL → ALLOW_BY_DEFAULT_DENY_SOME\n  + exclude declared-0-0-`);
    expect(run.stdout).toContain(`Central/Prefs99  (AWS catalog of ${accountOf(99)}, live revision 1)`);
    expect(run.stdout.endsWith('\nPlan: 100 to change, 0 unchanged, 1 errors, 100 changed outside their stack.\n')).toBe(true);
  });

  test('json: valid to its last byte, with every identifier, in the shape the README documents', async () => {
    const run = await plan('--format', 'json');
    expect(run.stdout.length).toBeGreaterThan(2_000_000);
    const report: PlanReport = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      schemaVersion: 1, exitCode: 1, summary: { resources: RESOURCES + 1, change: RESOURCES, unchanged: 0, blocked: 0, outOfSync: 0, error: 1, changedOutside: RESOURCES },
    });
    // In the order of the assembly, which lists its stacks by name.
    expect(report.resources.map((r) => r.resource)).toEqual(['Broken/Prefs', ...Array.from({ length: RESOURCES }, (_, i) => `Central/Prefs${i}`)]);
    expect(report.resources[RESOURCES]).toMatchObject({
      status: 'change', request: 'Update', account: accountOf(99),
      changes: { exclusionsAdded: identifiers('declared', 99), exclusionsRemoved: identifiers('live', 99) },
      drift: { deploy: 'overwrites', changes: { exclusionsAdded: identifiers('live', 99), exclusionsRemoved: identifiers('deployed', 99) } },
    });
    expect(keysOf(report)).toEqual(keysOf(documentedExample()));
    expect(run.stdout).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });

  test('markdown: a pull-request comment that fits GitHub\'s limit, with every resource in it', async () => {
    const run = await plan('--format', 'markdown');
    const comment = run.stdout;
    expect(comment.length).toBeLessThanOrEqual(MARKDOWN_MAX_CHARS);
    expect(MARKDOWN_MAX_CHARS).toBeLessThan(GITHUB_COMMENT_MAX);
    expect(comment.startsWith('### Connection preferences plan\n\n**Plan: 100 to change, 0 unchanged, 1 errors, 100 changed outside their stack.**\n\n'
      + '#### What a deploy changes\n\n| stack | resource | account | catalog | change |\n| --- | --- | --- | --- | --- |\n'
      + `| Central | Central/Prefs0 | ${accountOf(0)} | AWS | access type \`ALLOW_ALL\` → \`ALLOW_BY_DEFAULT_DENY_SOME\`; +100 exclusions |\n`)).toBe(true);
    expect(comment).toContain(`| Central | Central/Prefs99 | ${accountOf(99)} | AWS | +100 exclusions; −100 exclusions |\n\n#### Changed outside the stack since the last deploy`);
    expect(comment).toContain(`| Central | Central/Prefs99 | ${accountOf(99)} | AWS | +100 exclusions; −100 exclusions | overwrites it with the declared preferences |`);
    expect(comment).toContain('#### Errors\n\n| stack | resource | account | catalog | error |\n| --- | --- | --- | --- | --- |\n'
      + '| Broken | Broken/Prefs | — | AWS | property AccessType is a Ref or Fn:: that only CloudFormation resolves |');
    expect(comment).not.toContain('did not fit');
  });
});

describe('markdown, from a plan of a given shape', () => {
  const resource = (i: number, extra: Partial<ResourcePlan>): ResourcePlan => ({
    stack: 'S', resource: `S/P${i}`, logicalId: `P${i}`, account: accountOf(i), catalog: 'AWS', status: 'unchanged', ...extra,
  });

  test('a few resources: identifiers with counts, the outside changes, the errors, and the unchanged folded away', () => {
    const comment = formatMarkdown(reportOf([
      resource(0, { status: 'change', request: 'Create', changes: { accessType: { from: 'ALLOW_ALL', to: 'ALLOW_BY_DEFAULT_DENY_SOME' }, exclusionsAdded: ['a', 'b', 'c', 'd'], exclusionsRemoved: [] } }),
      resource(1, { status: 'blocked', request: 'Update', drift: { description: 'access type DENY_ALL → ALLOW_ALL', changes: { accessType: { from: 'DENY_ALL', to: 'ALLOW_ALL' }, exclusionsAdded: [], exclusionsRemoved: [] }, deploy: 'fails' } }),
      resource(2, { resource: 'S/P|2', status: 'error', error: 'the <b>endpoint</b>\nsaid no' }),
      resource(3, {}),
    ]));
    expect(comment).toBe(`### Connection preferences plan

**Plan: 1 to change, 1 unchanged, 1 errors, 1 changed outside their stack, 1 that would fail the deploy.**

#### What a deploy changes

| stack | resource | account | catalog | change |
| --- | --- | --- | --- | --- |
| S | S/P0 | ${accountOf(0)} | AWS | access type \`ALLOW_ALL\` → \`ALLOW_BY_DEFAULT_DENY_SOME\`; +4 exclusions: \`a\`, \`b\`, \`c\` and 1 more (not deployed yet) |
| S | S/P1 | ${accountOf(1)} | AWS | **fails**: changed outside the stack, see below |

#### Changed outside the stack since the last deploy

| stack | resource | account | catalog | what changed | a deploy |
| --- | --- | --- | --- | --- | --- |
| S | S/P1 | ${accountOf(1)} | AWS | access type \`DENY_ALL\` → \`ALLOW_ALL\` | fails on this resource without writing (driftPolicy FAIL): declare the change to keep it, or deploy once with DriftPolicy.OVERWRITE |

#### Errors

| stack | resource | account | catalog | error |
| --- | --- | --- | --- | --- |
| S | S/P\\|2 | ${accountOf(2)} | AWS | the &lt;b&gt;endpoint&lt;/b&gt; said no |

<details><summary>1 unchanged</summary>

| stack | resource | account | catalog |
| --- | --- | --- | --- |
| S | S/P3 | ${accountOf(3)} | AWS |

</details>
`);
  });

  test('too many resources for one comment: fewer details, then fewer rows, and it says how many it left out', () => {
    const longError = `AccessDenied: ${'not allowed '.repeat(40)}`;
    const report = reportOf(Array.from({ length: 2_000 }, (_, i) => resource(i, i % 2 ? { status: 'error', error: longError } : {})));
    const comment = formatMarkdown(report);
    expect(comment.length).toBeLessThanOrEqual(MARKDOWN_MAX_CHARS);
    expect(comment).toContain('**Plan: 0 to change, 1000 unchanged, 1000 errors, 0 changed outside their stack.**');
    expect(comment).toContain('1000 unchanged resources are not listed.');
    const rows = comment.match(/^\| S \| /gm)!.length;
    expect(rows).toBeGreaterThan(100);
    expect(comment).toContain(`**${1_000 - rows} more rows did not fit in one comment**: the job's log has the whole plan`);
  });
});

/** The JSON example of the README's Plan section. */
function documentedExample(): unknown {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Plan: what will a deploy change?'), readme.indexOf('\n## ', readme.indexOf('## Plan: what will a deploy change?') + 1));
  return JSON.parse(/```json\n([\s\S]*?)\n```/.exec(section)![1]);
}

/** Every key path of a JSON value, array items merged: the shape, without the values. */
function keysOf(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => keysOf(item, `${prefix}[]`)))].sort();
  if (typeof value !== 'object' || value === null) return [];
  return [...new Set(Object.entries(value).flatMap(([key, v]) => [`${prefix}.${key}`, ...keysOf(v, `${prefix}.${key}`)]))].sort();
}

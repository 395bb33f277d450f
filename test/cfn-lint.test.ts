import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { stacksOf } from '../bin/cli/cloud-assembly';
import { AccessType, Catalog, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(240_000);

const root = path.join(__dirname, '..');
const PROVIDER = '/PartnerCentralConnectionPreferencesProvider/';

/**
 * Findings on this library's resources that are aws-cdk-lib's doing, not ours: every lambda.Function that creates
 * its own role depends on that role (and its default policy) as a whole, although `Role` already references it.
 * Listed by rule, resource and dependency, so that any other finding on these resources still fails.
 */
const AWS_CDK_LIB_FINDINGS = [
  { rule: 'W3005', fn: `${PROVIDER}Handler` },
  { rule: 'W3005', fn: `${PROVIDER}Provider/framework-onEvent` },
].map(({ rule, fn }) => ({ rule, resource: `${fn}/Resource`, dependsOn: `${fn}/ServiceRole/Resource` }));

interface Finding {
  readonly Filename: string;
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: (string | number)[] };
}

function requireCfnLint(): void {
  try {
    execFileSync('cfn-lint', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('cfn-lint is not installed or not on the PATH: install it (pip install cfn-lint) to run this test');
  }
}

/** `cdk synth` of one of bin/'s apps with the repository's cdk.json context, offline (path metadata is on). */
function synthWithCli(app: string): string {
  const out = tempDir('cfn-lint-');
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--app', app, '--output', out], {
    cwd: root, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' }, stdio: 'pipe',
  });
  return out;
}

/** The example apps cover neither DESTROY (its own policy) nor several timeouts: one stack with every variant does. */
function synthEveryVariant(): string {
  return synthesizeApp({
    EveryVariant: (stack) => {
      new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL, timeout: Duration.minutes(14) });
      new ConnectionPreferences(stack, 'Destroyed', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
      new ConnectionPreferences(stack, 'CrossAccount', {
        accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc', externalId: 'ext-1', removalPolicy: RemovalPolicy.DESTROY,
      });
    },
  });
}

function lint(templates: string[]): Finding[] {
  const run = spawnSync('cfn-lint', ['-f', 'json', ...templates], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // cfn-lint's exit code is a bit mask of the levels it found; only an unparseable output means it did not run.
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`cfn-lint did not report (exit ${run.status}): ${run.stderr}`);
  }
}

test('cfn-lint finds no error in any example app, and no warning on what this library creates', () => {
  requireCfnLint();
  const assemblies = [
    synthWithCli('node bin/example-app.js'),
    synthWithCli('node bin/central-account-app.js'),
    synthWithCli('node bin/multi-account-pipeline-app.js'),
    synthEveryVariant(),
  ];
  // stacksOf includes the pipeline's stage stacks, which live in nested assemblies.
  const stacks = assemblies.flatMap((dir) => stacksOf(dir));
  const templateOf = new Map(stacks.map((s) => [path.resolve(s.templateFullPath), s.template]));
  const withConstruct = stacks.filter((s) => Object.values(s.template.Resources).some((r: any) => r.Type === RESOURCE_TYPE));
  expect(withConstruct.map((s) => s.hierarchicalId).sort()).toEqual([
    'CentralConnectionPreferences',
    'EveryVariant',
    'PartnerConnectionPreferences',
    'PartnerPreferencesPipeline/PartnerA/ConnectionPreferences',
    'PartnerPreferencesPipeline/PartnerB/ConnectionPreferences',
  ]);

  const findings = lint([...templateOf.keys()]).map((finding) => {
    const template = templateOf.get(path.resolve(finding.Filename));
    const [section, logicalId, key, index] = finding.Location.Path;
    const resources = template.Resources;
    const pathOf = (id: unknown) => String(resources[String(id)]?.Metadata?.['aws:cdk:path'] ?? id);
    const dependsOn = section === 'Resources' && key === 'DependsOn' ? [resources[logicalId].DependsOn].flat()[Number(index ?? 0)] : undefined;
    return {
      rule: finding.Rule.Id,
      level: finding.Level,
      resource: section === 'Resources' ? pathOf(logicalId) : finding.Location.Path.join('/'),
      dependsOn: dependsOn === undefined ? undefined : pathOf(dependsOn),
      ours: section === 'Resources' && isOurs(template, String(logicalId)),
      message: finding.Message,
    };
  });

  expect(findings.filter((f) => f.level === 'Error')).toEqual([]);
  const stackOf = (constructPath: string) => constructPath.slice(0, constructPath.indexOf(PROVIDER));
  const fromAwsCdkLib = (f: typeof findings[number]) => AWS_CDK_LIB_FINDINGS.some((known) => f.rule === known.rule
    && f.resource === stackOf(f.resource) + known.resource && f.dependsOn === stackOf(f.resource) + known.dependsOn);
  expect(findings.filter((f) => f.ours && !fromAwsCdkLib(f))).toEqual([]);
});

/** A resource of the stack's provider, or of a ConnectionPreferences (its custom resource and DESTROY policy). */
function isOurs(template: any, logicalId: string): boolean {
  const resources = template.Resources;
  const pathOf = (id: string) => String(resources[id].Metadata?.['aws:cdk:path'] ?? '');
  const constructs = Object.keys(resources).filter((id) => resources[id].Type === RESOURCE_TYPE)
    .map((id) => pathOf(id).replace(/\/Resource\/Default$/, '/'));
  const resourcePath = pathOf(logicalId);
  return resourcePath.includes(PROVIDER) || constructs.some((prefix) => resourcePath.startsWith(prefix));
}

import { execFileSync, spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import type { CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import { Stack } from 'aws-cdk-lib';
import { stacksOf } from '../bin/cli/cloud-assembly';
import { deployLocally } from '../bin/cli/local-deploy';
import { Catalog, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { tempDir } from './support/synth';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..');
const context = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')).context['partner-central'];
const organization = context.organization;
/** CloudFormation's limit for a StackSet's (or a stack's) TemplateBody passed inline. */
const TEMPLATE_BODY_MAX_BYTES = 51_200;

let assembly: string;
let stacks: CloudFormationStackArtifact[];
beforeAll(() => {
  assembly = tempDir('organization-');
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--app', 'node bin/organization-app.js', '--output', assembly], {
    cwd: root, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' }, stdio: 'pipe',
  });
  stacks = stacksOf(assembly);
});

const stackNamed = (name: string) => stacks.find((s) => s.stackName === name)!;
const resourcesOf = (template: any, type: string) => Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === type);
const stackSetOf = (template: any) => {
  const stackSets = resourcesOf(template, 'AWS::CloudFormation::StackSet');
  expect(stackSets).toHaveLength(1);
  return stackSets[0].Properties;
};

test('the StackSet deploys the access role to the units of cdk.json, from the management account, service-managed', () => {
  const rollout = stackNamed('ConnectionPreferencesAccessRoles');
  expect(rollout.environment).toMatchObject({ account: organization.managementAccount, region: context.region });
  const { TemplateBody, ...properties } = stackSetOf(rollout.template);
  expect(properties).toEqual({
    StackSetName: 'PartnerCentralConnectionPreferencesAccessRole',
    Description: `The role through which OrganizationPreferences in ${context.centralAccount} manages Partner Central connection preferences`,
    PermissionModel: 'SERVICE_MANAGED',
    CallAs: 'SELF',
    AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
    Capabilities: ['CAPABILITY_NAMED_IAM'],
    OperationPreferences: { ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE', MaxConcurrentPercentage: 100, FailureToleranceCount: 0 },
    StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: organization.organizationalUnitIds }, Regions: [context.region] }],
  });
  expect(typeof TemplateBody).toBe('string');
});

test('its TemplateBody is the role stack\'s template: the trust of the central stack\'s roles and the Partner Central statement', () => {
  const body: string = stackSetOf(stackNamed('ConnectionPreferencesAccessRoles').template).TemplateBody;
  expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(TEMPLATE_BODY_MAX_BYTES);
  // The role stack as synthesized into the assembly's access-role folder, byte for byte.
  expect(body).toBe(JSON.stringify(JSON.parse(readFileSync(path.join(assembly, 'access-role', 'ConnectionPreferencesAccessRole.template.json'), 'utf8'))));

  const template = JSON.parse(body);
  // No BootstrapVersion parameter or rule (the accounts are not bootstrapped), no CDKMetadata, no path metadata.
  expect(Object.keys(template).sort()).toEqual(['Description', 'Resources']);
  const [role, ...others] = Object.values(template.Resources) as any[];
  expect(others).toEqual([]);
  expect(role).toEqual({ Type: 'AWS::IAM::Role', Properties: expect.any(Object) });
  expect(role.Properties.RoleName).toBe('PartnerCentralConnectionPreferences');
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${context.centralAccount}:root`]] } },
    Condition: { ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${context.centralAccount}:role/OrganizationPreferences-*`] } },
  }]);
  expect(role.Properties.Policies.map((p: any) => p.PolicyDocument.Statement)).toEqual([
    [new Stack().resolve(ConnectionPreferences.policyStatement([Catalog.AWS]).toStatementJson())],
  ]);
});

test('the central stack manages each account of cdk.json through its access role, and its monitor reads through them too', () => {
  const central = stackNamed('OrganizationPreferences');
  expect(central.environment).toMatchObject({ account: context.centralAccount, region: context.region });
  // Deployed after the StackSet, whose roles it assumes.
  expect(central.dependencies.map((d) => d.id)).toContain('ConnectionPreferencesAccessRoles');

  const roleArns = organization.accounts.map((a: any) => `arn:aws:iam::${a.account}:role/PartnerCentralConnectionPreferences`);
  expect(resourcesOf(central.template, RESOURCE_TYPE).map((r) => r.Properties)).toEqual(organization.accounts.map((a: any, i: number) => expect.objectContaining({
    AccessType: a.accessType,
    AssumeRoleArn: roleArns[i],
    ...(a.excludedParticipantIdentifiers && { ExcludedParticipantIdentifiers: a.excludedParticipantIdentifiers }),
  })));
  expect(JSON.stringify(central.template)).not.toContain('ExternalId');

  const assumeStatements = resourcesOf(central.template, 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Action === 'sts:AssumeRole');
  expect(assumeStatements).toContainEqual({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...roleArns].sort() });
  // The monitor's own policy is an L1 whose document is produced at synth; it assumes the same roles.
  const monitorPolicy = resourcesOf(central.template, 'AWS::IAM::Policy').find((p) => p.Properties.PolicyName === 'ConnectionPreferencesMonitor');
  expect(JSON.stringify(monitorPolicy)).toContain('sts:AssumeRole');
  for (const arn of roleArns) expect(JSON.stringify(monitorPolicy)).toContain(arn);
});

test('cfn-lint finds nothing in the StackSet\'s template nor in the role template it carries', () => {
  const rollout = stackNamed('ConnectionPreferencesAccessRoles');
  const body = path.join(tempDir('organization-lint-'), 'access-role.json');
  writeFileSync(body, stackSetOf(rollout.template).TemplateBody);
  const run = spawnSync('cfn-lint', ['-f', 'parseable', rollout.templateFullPath, body], { encoding: 'utf8' });
  expect(run.error).toBeUndefined(); // cfn-lint is on the PATH (see test/cfn-lint.test.ts)
  expect(run.stdout + run.stderr).toBe('');
  expect(run.status).toBe(0);
});

test('deployed locally, the central stack assumes each account\'s access role and writes its preferences', async () => {
  const output: string[] = [];
  expect(await deployLocally({ assemblyDir: assembly, stateDir: tempDir('organization-state-'), print: (line) => output.push(line) })).toBe(true);
  const text = output.join('\n');
  for (const a of organization.accounts) {
    expect(text).toMatch(new RegExp(`${a.name}: create\\n.*\\n {4}calls {3}AssumeRole 200, GetConnectionPreferences 200.*\\n {4}after {3}${a.accessType}.* in the AWS catalog of ${a.account}`));
  }
});

/** The app run directly, as the CLI runs it, with this context instead of cdk.json's. */
function runWithContext(partnerCentral: unknown) {
  const outdir = tempDir('organization-context-');
  const run = spawnSync(process.execPath, [path.join(root, 'bin', 'organization-app.js')], {
    cwd: root, encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ 'partner-central': partnerCentral }) },
  });
  return { ...run, outdir };
}

test('with a delegated administrator, the StackSet lives in that account and is called as DELEGATED_ADMIN', () => {
  const run = runWithContext({ ...context, organization: { ...organization, delegatedAdministratorAccount: '777777777777' } });
  expect(run.stderr).toBe('');
  const rollout = stacksOf(run.outdir).find((s) => s.stackName === 'ConnectionPreferencesAccessRoles')!;
  expect(rollout.environment.account).toBe('777777777777');
  expect(stackSetOf(rollout.template)).toMatchObject({ CallAs: 'DELEGATED_ADMIN', PermissionModel: 'SERVICE_MANAGED' });
});

test('wrong organization settings fail the synth, naming each and what is allowed', () => {
  const run = runWithContext({
    ...context,
    organization: { managementAccount: '12345', organizationalUnitIds: ['ou-1'], accounts: [{ name: 'eu west', account: '555555555555', accessType: 'ALLOW_ALL' }] },
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('Invalid "partner-central" context in cdk.json: organization.managementAccount is "12345"; allowed: a 12-digit account id; '
    + 'organization.organizationalUnitIds is ["ou-1"]; allowed: a non-empty list of OU ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx); '
    + 'organization.accounts[0].name is "eu west"; allowed: letters and digits, starting with a letter (it becomes a construct id)');
});

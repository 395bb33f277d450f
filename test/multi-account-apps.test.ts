import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { deployLocally } from '../bin/cli/local-deploy';
import { planStacks } from '../bin/cli/plan';
import { emulatedEnvironmentOf, stacksOf } from '../bin/cli/cloud-assembly';
import { Emulator } from '../emulator/emulator';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { tempDir } from './support/synth';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..');
const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8'));
const partners: { name: string; account: string; accessType: string }[] = cdkJson.context['partner-central'].partners;

/** `cdk synth` of an app with the repository's cdk.json context, offline. */
function synth(app: string): string {
  const out = tempDir('multi-account-');
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--app', app, '--output', out], {
    cwd: root, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' }, stdio: 'pipe',
  });
  return out;
}
const resourcesOf = (template: any) => Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === RESOURCE_TYPE);

test('the pipeline app deploys one stage per partner account, each with its ConnectionPreferences', async () => {
  const stacks = stacksOf(synth('node bin/multi-account-pipeline-app.js'));

  const pipeline = stacks.find((s) => s.stackName === 'PartnerPreferencesPipeline')!;
  expect(resourcesOf(pipeline.template)).toEqual([]);
  expect(JSON.stringify(pipeline.template)).toContain('AWS::CodePipeline::Pipeline');
  for (const partner of partners) {
    const stage = stacks.find((s) => s.environment.account === partner.account)!;
    expect(stage.hierarchicalId).toContain(partner.name);
    expect(resourcesOf(stage.template)).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ AccessType: partner.accessType }) })]);
  }

  // plan finds the stages in the nested assemblies, each in its own account.
  const emulator = new Emulator();
  const url = await emulator.start();
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT: url, AWS_ENDPOINT_URL_CLOUDFORMATION: url, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
    const plans = await planStacks(stacks, (stack) => Object.assign(process.env, emulatedEnvironmentOf(stack).env));
    expect(plans.map((p) => [p.live?.arn.split(':')[4], p.status, p.deployed])).toEqual(partners.map((p) => [p.account, 'change', false]));
  } finally {
    process.env = saved;
    await emulator.stop();
  }
});

test('the central-account app manages each partner account through a role that trusts it', async () => {
  const assembly = synth('node bin/central-account-app.js');
  const stacks = stacksOf(assembly);
  const central = stacks.find((s) => s.stackName === 'CentralConnectionPreferences')!;
  const roleArns = partners.map((p) => `arn:aws:iam::${p.account}:role/PartnerCentralConnectionPreferences`);

  expect(resourcesOf(central.template).map((r) => [r.Properties.AssumeRoleArn, r.Properties.ExternalId]))
    .toEqual(roleArns.map((arn) => [arn, 'partner-central-preferences']));
  const statements = Object.values(central.template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument.Statement);
  expect(statements).toContainEqual({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...roleArns].sort() });
  for (const partner of partners) {
    const roleStack = stacks.find((s) => s.stackName === `${partner.name}ConnectionPreferencesRole`)!;
    // The ConnectionPreferencesAccessRole keeps the logical id of the hand-written role it replaced: an update in place.
    expect(Object.keys(roleStack.template.Resources).filter((id) => roleStack.template.Resources[id].Type === 'AWS::IAM::Role')).toEqual(['Role1ABCC5F0']);
    const role = roleStack.template.Resources.Role1ABCC5F0;
    expect(role.Properties.RoleName).toBe('PartnerCentralConnectionPreferences');
    // The central stack's roles only, not every principal of the central account; and with the external id.
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${central.environment.account}:role/${central.stackName}-*`] },
      StringEquals: { 'sts:ExternalId': 'partner-central-preferences' },
    });
    expect(JSON.stringify(role.Properties.Policies)).toContain('"partnercentral:Catalog":["AWS"]');
  }

  // Deployed locally, the handler assumes each role through the emulated STS and writes that partner's account.
  const stateDir = tempDir('central-');
  const output: string[] = [];
  expect(await deployLocally({ assemblyDir: assembly, stateDir, print: (line) => output.push(line) })).toBe(true);
  expect(output.join('\n')).toMatch(/PartnerA: create[\s\S]*calls {3}AssumeRole 200, GetConnectionPreferences 200, UpdateConnectionPreferences 200\n {4}after {3}DENY_ALL, no exclusions \(revision 1\) in the AWS catalog of 222222222222/);
});

import { readFileSync } from 'fs';
import * as path from 'path';
import { App, BootstraplessSynthesizer, Lazy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesAccessRole, ConnectionPreferencesAccessRoleProps } from '../lib';
import { PARTNER_CENTRAL_RESOURCE_STAR } from '../lib/connection-preferences-provider';
import { tempDir } from './support/synth';

const CENTRAL = '111111111111';
const CENTRAL_ROLES = `arn:aws:iam::${CENTRAL}:role/CentralConnectionPreferences-*`;
const BASE: ConnectionPreferencesAccessRoleProps = { centralAccount: CENTRAL, trustedPrincipalArns: [CENTRAL_ROLES] };

function roleIn(props: Partial<ConnectionPreferencesAccessRoleProps> = {}) {
  const stack = new Stack(new App(), 'Partner');
  const accessRole = new ConnectionPreferencesAccessRole(stack, 'AccessRole', { ...BASE, ...props });
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  expect(Object.keys(roles)).toHaveLength(1);
  return { stack, accessRole, role: Object.values(roles)[0].Properties };
}

describe('the role', () => {
  test('trusts the central account narrowed to the given roles, and may manage the AWS catalog only', () => {
    const { stack, accessRole, role } = roleIn();
    expect(role.RoleName).toBe('PartnerCentralConnectionPreferences');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${CENTRAL}:root`]] } },
      // No sts:ExternalId condition unless one is given: an empty one would lock everyone out.
      Condition: { ArnLike: { 'aws:PrincipalArn': [CENTRAL_ROLES] } },
    }]);
    expect(role.Policies).toEqual([{
      PolicyName: 'ConnectionPreferences',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Action: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'],
          Resource: '*',
          Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS'] } },
        }],
      },
    }]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(stack.resolve(accessRole.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AccessRole/), 'Arn'] });
    expect(accessRole.node.defaultChild).toBe(accessRole.role);
  });

  test('requires the external id when one is given, and trusts exactly the listed roles', () => {
    const exact = `arn:aws:iam::${CENTRAL}:role/Central-HandlerRole-ABC123`;
    const { role } = roleIn({ externalId: 'partner-central:ext/1', trustedPrincipalArns: [exact, CENTRAL_ROLES] });
    expect(role.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': [exact, CENTRAL_ROLES] },
      StringEquals: { 'sts:ExternalId': 'partner-central:ext/1' },
    });
  });

  test('has exactly the statement the handler\'s own role gets for the same catalogs: one definition, not a copy', () => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferencesAccessRole(stack, 'AccessRole', { ...BASE, catalogs: [Catalog.SANDBOX, Catalog.AWS, Catalog.SANDBOX] });
    new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL });
    new ConnectionPreferences(stack, 'OwnSandbox', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX });
    const template = Template.fromStack(stack);
    const role = Object.values(template.findResources('AWS::IAM::Role')).find((r) => r.Properties.RoleName !== undefined)!.Properties;
    const handlerPolicy = Object.values(template.findResources('AWS::IAM::Policy'))
      .find((p) => JSON.stringify(p).includes('partnercentral:'))!.Properties.PolicyDocument.Statement;

    expect(handlerPolicy).toContainEqual(role.Policies[0].PolicyDocument.Statement[0]);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([
      stack.resolve(ConnectionPreferences.policyStatement([Catalog.AWS, Catalog.SANDBOX]).toStatementJson()),
    ]);
  });

  test('readOnly allows GetConnectionPreferences only', () => {
    const { role } = roleIn({ readOnly: true, catalogs: [Catalog.SANDBOX] });
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'partnercentral:GetConnectionPreferences',
      Resource: '*',
      Condition: { StringEquals: { 'partnercentral:Catalog': ['Sandbox'] } },
    }]);
    expect(role.Description).toMatch(/read Partner Central/);
  });

  test('keeps the logical id of a hand-written iam.Role of the same id, so moving to it updates the named role in place', () => {
    const handWritten = new Stack(new App(), 'Partner');
    new iam.Role(handWritten, 'Role', { assumedBy: new iam.AccountPrincipal(CENTRAL) });
    const withConstruct = new Stack(new App(), 'Partner');
    new ConnectionPreferencesAccessRole(withConstruct, 'Role', BASE);
    const ids = (stack: Stack) => Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    expect(ids(withConstruct)).toEqual(ids(handWritten));
  });
});

test('roleArnOf builds the ARN the central stack assumes, from the same default name', () => {
  expect(ConnectionPreferencesAccessRole.roleArnOf('222222222222')).toBe('arn:aws:iam::222222222222:role/PartnerCentralConnectionPreferences');
  expect(ConnectionPreferencesAccessRole.roleArnOf('222222222222', 'Custom')).toBe('arn:aws:iam::222222222222:role/Custom');
  expect(() => ConnectionPreferencesAccessRole.roleArnOf('2222', 'a b')).toThrow(
    'Cannot build the ARN of a ConnectionPreferencesAccessRole: account is "2222"; allowed: a 12-digit AWS account id; '
    + 'roleName is "a b"; allowed: 1-64 characters of letters, digits and _+=,.@-');
});

describe('invalid props fail the synth, saying what is wrong and what is allowed', () => {
  const allowedArns = `allowed: role ARNs or ArnLike patterns in the central account, arn:aws:iam::${CENTRAL}:role/<name, * and ? match any characters>`;
  test.each<[string, Partial<ConnectionPreferencesAccessRoleProps>, string]>([
    ['a short account', { centralAccount: '11111111111' }, 'centralAccount is "11111111111"; allowed: a 12-digit AWS account id'],
    ['no trusted principal', { trustedPrincipalArns: [] }, `trustedPrincipalArns is empty; ${allowedArns}`],
    ['a user, not a role', { trustedPrincipalArns: [`arn:aws:iam::${CENTRAL}:user/alice`] }, `trustedPrincipalArns has "arn:aws:iam::${CENTRAL}:user/alice"; ${allowedArns}`],
    ['a role of another account', { trustedPrincipalArns: ['arn:aws:iam::999999999999:role/x'] },
      `trustedPrincipalArns has "arn:aws:iam::999999999999:role/x", outside centralAccount ${CENTRAL}; ${allowedArns}`],
    ['a wildcard account', { trustedPrincipalArns: ['arn:aws:iam::*:role/x'] }, `trustedPrincipalArns has "arn:aws:iam::*:role/x"; ${allowedArns}`],
    ['a one-character external id', { externalId: 'x' }, 'externalId must be 2-1224 characters of letters, digits and _+=,.@:/-'],
    ['no catalog', { catalogs: [] }, 'catalogs is empty; allowed: one or more of AWS, Sandbox'],
    ['a catalog in the wrong case', { catalogs: ['aws' as Catalog] }, 'catalogs has "aws"; allowed: AWS, Sandbox'],
    ['a role name with a space', { roleName: 'my role' }, 'roleName is "my role"; allowed: 1-64 characters of letters, digits and _+=,.@-'],
  ])('%s', (_case, props, message) => {
    expect(() => roleIn(props)).toThrow(`Invalid ConnectionPreferencesAccessRole at Partner/AccessRole: ${message}`);
  });

  test('every problem at once', () => {
    expect(() => roleIn({ centralAccount: 'x', externalId: '', roleName: '' })).toThrow('Invalid ConnectionPreferencesAccessRole at Partner/AccessRole: '
      + 'centralAccount is "x"; allowed: a 12-digit AWS account id; roleName is ""; allowed: 1-64 characters of letters, digits and _+=,.@-; '
      + 'externalId must be 2-1224 characters of letters, digits and _+=,.@:/-');
  });

  test('tokens are left to deploy time', () => {
    const token = Lazy.string({ produce: () => 'x' });
    expect(() => roleIn({ centralAccount: token, externalId: token, roleName: token, trustedPrincipalArns: [token] })).not.toThrow();
  });
});

describe('in a StackSet', () => {
  test('a stack with only the role has no asset and needs no bootstrap, so its template can be a StackSet\'s', () => {
    const outdir = tempDir('access-role-');
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'AccessRole', { synthesizer: new BootstraplessSynthesizer() });
    new ConnectionPreferencesAccessRole(stack, 'AccessRole', BASE);
    const assembly = app.synth();

    const artifact = assembly.getStackByName('AccessRole');
    expect(Object.keys(artifact.template)).toEqual(['Resources']); // no BootstrapVersion parameter, no CheckBootstrapVersion rule
    expect(Object.values(artifact.template.Resources).map((r: any) => r.Type)).toEqual(['AWS::IAM::Role']);
    expect(JSON.stringify(artifact.manifest.metadata ?? {})).not.toContain('aws:asset');
    expect(assembly.artifacts.filter((a) => a.manifest.type === 'cdk:asset-manifest')).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    expect(JSON.stringify(manifest)).not.toMatch(/"aws:cdk:asset"|\.assets\.json/);
  });

  test('the bootstrapless synthesizer refuses an asset, such as the handler\'s: a StackSet template could not carry one', () => {
    const stack = new Stack(new App(), 'AccessRole', { synthesizer: new BootstraplessSynthesizer() });
    new ConnectionPreferencesAccessRole(stack, 'AccessRole', BASE);
    expect(() => new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL })).toThrow(/Cannot add assets/);
  });
});

describe('cdk-nag', () => {
  function nagged(extra?: (stack: Stack) => void) {
    const app = new App({ outdir: tempDir('access-role-nag-') });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Partner');
    new ConnectionPreferencesAccessRole(stack, 'AccessRole', { ...BASE, externalId: 'ext-1', catalogs: [Catalog.AWS, Catalog.SANDBOX] });
    extra?.(stack);
    return app;
  }

  test('AwsSolutions finds nothing unacknowledged, and only IAM5 Resource::* is acknowledged, with the provider\'s reason', () => {
    const app = nagged();
    expect(() => app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8'));
    const suppressed = report.pluginReports.flatMap((r: any) => r.suppressedViolations);
    expect(suppressed.map((s: any) => [s.acknowledgedId, s.reason, s.violatingConstructs.map((c: any) => c.constructPath)])).toEqual([
      [PARTNER_CENTRAL_RESOURCE_STAR.id, PARTNER_CENTRAL_RESOURCE_STAR.reason, ['Partner/AccessRole/Default/Resource']],
    ]);
  });

  test('the same finding on another role still fails the synth', () => {
    const app = nagged((stack) => new iam.Role(stack, 'Unrelated', {
      assumedBy: new iam.AccountPrincipal(CENTRAL),
      inlinePolicies: { Any: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] })] }) },
    }));
    expect(() => app.synth()).toThrow(/Partner\/Unrelated\/Resource[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { determineLatestNodeRuntime } from 'aws-cdk-lib/aws-lambda';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesProps, DriftPolicy } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';

function stackWith(...declared: ConnectionPreferencesProps[]) {
  const app = new App();
  const stack = new Stack(app, 'Partner');
  const constructs = declared.map((props, i) => new ConnectionPreferences(stack, `Prefs${i}`, props));
  return { app, stack, constructs, template: Template.fromStack(stack) };
}

const HANDLER = { Handler: 'index.handler' };

describe('the custom resource', () => {
  test('carries the declared preferences, with the AWS catalog by default', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['pprofile-abc', '123456789012'] });
    template.resourceCountIs(RESOURCE_TYPE, 1);
    template.hasResourceProperties('Custom::PartnerCentralConnectionPreferences', {
      ServiceToken: Match.anyValue(),
      Catalog: 'AWS',
      AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME',
      ExcludedParticipantIdentifiers: ['pprofile-abc', '123456789012'],
    });
  });

  test('omits exclusions when there are none, and names the Sandbox catalog by its API value', () => {
    const { template } = stackWith({ accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX });
    template.hasResourceProperties(RESOURCE_TYPE, {
      Catalog: 'Sandbox',
      AccessType: 'DENY_ALL',
      ExcludedParticipantIdentifiers: Match.absent(),
    });
  });

  test('depends on the log group, so that it exists before the first invocation, and on nothing its ServiceToken implies', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    const [resource] = Object.values(template.findResources(RESOURCE_TYPE));
    expect(logGroups).toHaveLength(1);
    expect(resource.DependsOn).toEqual(logGroups);
  });
});

describe('one provider per stack', () => {
  test('two constructs (AWS and Sandbox) share one handler function and one provider', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL }, { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX });
    template.resourceCountIs(RESOURCE_TYPE, 2);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', { Properties: HANDLER }))).toHaveLength(1);
    // The handler and the Provider framework's own function: nothing more.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const tokens = Object.values(template.findResources(RESOURCE_TYPE)).map((r) => JSON.stringify(r.Properties.ServiceToken));
    expect(new Set(tokens).size).toBe(1);
  });

  test('each stack gets its own provider', () => {
    const app = new App();
    const stacks = ['One', 'Two'].map((name) => new Stack(app, name));
    stacks.forEach((stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_ALL }));
    for (const stack of stacks) {
      Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 2);
    }
  });
});

describe('IAM', () => {
  test('the handler may get and update connection preferences of the declared catalogs, and nothing else of Partner Central', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL, catalog: Catalog.SANDBOX }, { accessType: AccessType.DENY_ALL });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const partnerCentral = statements.filter((s) => JSON.stringify(s.Action).includes('partnercentral:'));
    expect(partnerCentral).toEqual([{
      Effect: 'Allow',
      Action: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'],
      Resource: '*',
      Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS', 'Sandbox'] } },
    }]);
  });

  test('a stack with one catalog allows only that catalog', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'partnercentral:Catalog': ['AWS'] } } })]) },
    });
  });

  test('no statement has a wildcard action', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((s) => [s.Action].flat());
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => typeof a !== 'string' || a.includes('*'))).toEqual([]);
  });
});

describe('the handler function', () => {
  test('runs the latest Node runtime that aws-cdk-lib knows, with a documented timeout', () => {
    const { stack, template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ...HANDLER,
      Runtime: determineLatestNodeRuntime(stack).name,
      Timeout: 120,
    });
  });

  test('logs to a log group named as Lambda names it, with a retention period, shared with the provider framework', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const [handlerId] = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: HANDLER }));
    const [logGroupId] = Object.keys(template.findResources('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: { 'Fn::Join': ['', ['/aws/lambda/', { Ref: handlerId }]] }, RetentionInDays: 365 },
    }));
    expect(logGroupId).toBeDefined();
    // The framework's function logs there too, so that a failure's "Logs:" hint leads to both sides.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'framework.onEvent',
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
  });

  test('ships the prebundled handler: the asset is the bundle the build wrote, with nothing to build at synth', () => {
    const { app } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const assembly = app.synth();
    const bundleDir = path.join(__dirname, '..', 'assets', 'handler');
    const filesOf = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
    const handlerAssets = fs.readdirSync(assembly.directory)
      .map((entry) => path.join(assembly.directory, entry))
      .filter((dir) => fs.existsSync(path.join(dir, 'index.mjs')));
    expect(handlerAssets).toHaveLength(1);
    expect(filesOf(handlerAssets[0])).toEqual(filesOf(bundleDir));
    expect(fs.readFileSync(path.join(handlerAssets[0], 'index.mjs'), 'utf8')).toBe(fs.readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8'));
  });
});

describe('synth-time validation', () => {
  const declare = (props: Partial<ConnectionPreferencesProps>) => () =>
    new ConnectionPreferences(new Stack(new App(), 'Partner'), 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, ...props });

  test.each<[string, Partial<ConnectionPreferencesProps>, RegExp]>([
    ['an identifier outside the pattern', { excludedParticipantIdentifiers: ['p_1'] }, /Partner\/Prefs: excludedParticipantIdentifiers has malformed identifiers "p_1"; allowed: 1-100 letters, digits and hyphens/],
    ['an identifier of 101 characters', { excludedParticipantIdentifiers: ['a'.repeat(101)] }, /malformed identifiers "a{101}"/],
    ['101 identifiers', { excludedParticipantIdentifiers: Array.from({ length: 101 }, (_, i) => `p-${i}`) }, /has 101 identifiers; allowed: at most 100/],
    ['a repeated identifier', { excludedParticipantIdentifiers: ['p-1', 'p-2', 'p-1'] }, /repeats "p-1"; each identifier may appear once/],
    ['exclusions with ALLOW_ALL', { accessType: AccessType.ALLOW_ALL, excludedParticipantIdentifiers: ['p-1'] }, /given with accessType ALLOW_ALL, but they only apply to ALLOW_BY_DEFAULT_DENY_SOME/],
    ['exclusions with DENY_ALL', { accessType: AccessType.DENY_ALL, excludedParticipantIdentifiers: ['p-1'] }, /given with accessType DENY_ALL/],
    ['an access type from plain JavaScript', { accessType: 'ALLOW_SOME' as AccessType }, /accessType is "ALLOW_SOME"; allowed: ALLOW_ALL, DENY_ALL, ALLOW_BY_DEFAULT_DENY_SOME/],
    ['a catalog outside the enum', { catalog: 'aws' as Catalog }, /catalog is "aws"; allowed: AWS, Sandbox/],
    ['a removal policy other than RETAIN or DESTROY', { removalPolicy: RemovalPolicy.SNAPSHOT }, /removalPolicy is RemovalPolicy\.SNAPSHOT; allowed: RemovalPolicy\.RETAIN, RemovalPolicy\.DESTROY/],
    ['a malformed role ARN', { assumeRoleArn: 'arn:aws:iam::123:role/x' }, /assumeRoleArn is "arn:aws:iam::123:role\/x"; allowed: an IAM role ARN/],
    ['an external id without a role', { externalId: 'ext-123' }, /externalId is given without assumeRoleArn/],
    ['a timeout too short to retry', { timeout: Duration.seconds(10) }, /timeout is 10 seconds; allowed: 30 seconds to 14 minutes/],
  ])('%s fails the synth, saying what is allowed', (_, props, message) => {
    expect(declare({ excludedParticipantIdentifiers: ['p-ok'], ...props })).toThrow(message);
  });

  test('100 unique identifiers of 100 characters pass', () => {
    expect(declare({ excludedParticipantIdentifiers: Array.from({ length: 100 }, (_, i) => `${i}`.padStart(100, 'x')) })).not.toThrow();
  });

  test('ALLOW_BY_DEFAULT_DENY_SOME with no exclusions gives a warning', () => {
    const { stack } = stackWith({ accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('with no excludedParticipantIdentifiers allows everyone, like ALLOW_ALL'));
    const { stack: withExclusions } = stackWith({ accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1'] });
    Annotations.fromStack(withExclusions).hasNoWarning('*', Match.anyValue());
  });

  test('values that are tokens pass synth and reach the template for the handler to check', () => {
    const stack = new Stack(new App(), 'Partner');
    const accessType = new CfnParameter(stack, 'AccessType').valueAsString as AccessType;
    const excluded = new CfnParameter(stack, 'Excluded', { type: 'CommaDelimitedList' }).valueAsList;
    const role = new CfnParameter(stack, 'Role').valueAsString;
    new ConnectionPreferences(stack, 'Prefs', { accessType, excludedParticipantIdentifiers: excluded, assumeRoleArn: role });
    Template.fromStack(stack).hasResourceProperties(RESOURCE_TYPE, {
      AccessType: { Ref: 'AccessType' },
      ExcludedParticipantIdentifiers: { Ref: 'Excluded' },
      AssumeRoleArn: { Ref: 'Role' },
    });
    expect(Token.isUnresolved(accessType)).toBe(true);
  });

  describe('two resources for one catalog and account', () => {
    test('in one stack fail the synth, naming both', () => {
      const app = new App();
      const stack = new Stack(app, 'Partner');
      new ConnectionPreferences(stack, 'First', { accessType: AccessType.ALLOW_ALL });
      new ConnectionPreferences(stack, 'Second', { accessType: AccessType.DENY_ALL });
      expect(() => app.synth()).toThrow(/Partner\/First and Partner\/Second both manage the AWS connection preferences of the stack's account/);
    });

    test('in two stacks of one app fail when both accounts are known and equal', () => {
      const app = new App();
      new ConnectionPreferences(new Stack(app, 'One', { env: { account: '111122223333', region: 'eu-west-1' } }), 'Prefs', { accessType: AccessType.ALLOW_ALL });
      new ConnectionPreferences(new Stack(app, 'Two', { env: { account: '111122223333', region: 'us-east-1' } }), 'Prefs', { accessType: AccessType.DENY_ALL });
      expect(() => app.synth()).toThrow(/One\/Prefs and Two\/Prefs both manage the AWS connection preferences of 111122223333/);
    });

    test('a role into the stack\'s own account is the same target', () => {
      const app = new App();
      const stack = new Stack(app, 'Central', { env: { account: '111122223333', region: 'eu-west-1' } });
      new ConnectionPreferences(stack, 'Own', { accessType: AccessType.ALLOW_ALL });
      new ConnectionPreferences(stack, 'ViaRole', { accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::111122223333:role/pc' });
      expect(() => app.synth()).toThrow(/Central\/Own and Central\/ViaRole both manage/);
    });

    test('pass when the catalogs or accounts differ, or when an account is unknown', () => {
      const app = new App();
      const central = new Stack(app, 'Central', { env: { account: '111122223333', region: 'eu-west-1' } });
      new ConnectionPreferences(central, 'Aws', { accessType: AccessType.ALLOW_ALL });
      new ConnectionPreferences(central, 'Sandbox', { accessType: AccessType.ALLOW_ALL, catalog: Catalog.SANDBOX });
      new ConnectionPreferences(central, 'PartnerA', { accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc' });
      new ConnectionPreferences(central, 'PartnerB', { accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::777788889999:role/pc' });
      new ConnectionPreferences(new Stack(app, 'Agnostic'), 'Prefs', { accessType: AccessType.DENY_ALL });
      expect(() => app.synth()).not.toThrow();
    });
  });
});

describe('policies, roles and timeout', () => {
  test('removal and drift policies reach the handler, RETAIN and OVERWRITE by default', () => {
    const { template } = stackWith(
      { accessType: AccessType.ALLOW_ALL },
      { accessType: AccessType.ALLOW_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY, driftPolicy: DriftPolicy.FAIL },
    );
    template.hasResourceProperties(RESOURCE_TYPE, { Catalog: 'AWS', RemovalPolicy: 'retain', DriftPolicy: 'overwrite' });
    template.hasResourceProperties(RESOURCE_TYPE, { Catalog: 'Sandbox', RemovalPolicy: 'destroy', DriftPolicy: 'fail' });
    // CloudFormation must always call the handler on Delete: the removal policy is the handler's to apply.
    template.allResources(RESOURCE_TYPE, { DeletionPolicy: 'Delete' });
  });

  test('the handler may assume exactly the declared roles, and needs no Partner Central permission of its own for them', () => {
    const roles = ['arn:aws:iam::444455556666:role/pc', 'arn:aws:iam::777788889999:role/pc'];
    const { template } = stackWith(
      { accessType: AccessType.DENY_ALL, assumeRoleArn: roles[1], externalId: 'ext-42' },
      { accessType: AccessType.DENY_ALL, assumeRoleArn: roles[0] },
    );
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((s) => JSON.stringify(s).includes('sts:'))).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roles }]);
    expect(statements.filter((s) => JSON.stringify(s).includes('partnercentral:'))).toEqual([]);
    template.hasResourceProperties(RESOURCE_TYPE, { AssumeRoleArn: roles[1], ExternalId: 'ext-42' });
  });

  test('a resource with DESTROY keeps its own permissions, which CloudFormation deletes after the resource', () => {
    const stack = new Stack(new App(), 'Partner');
    new ConnectionPreferences(stack, 'Retained', { accessType: AccessType.ALLOW_ALL });
    const destroyed = new ConnectionPreferences(stack, 'Destroyed', { accessType: AccessType.ALLOW_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::Policy');
    const ownPolicyIds = Object.keys(policies).filter((id) => id.startsWith('DestroyedDeletePermissions'));
    expect(ownPolicyIds).toHaveLength(1);
    expect(policies[ownPolicyIds[0]].Properties.PolicyDocument.Statement).toEqual([expect.objectContaining({
      Action: ['partnercentral:GetConnectionPreferences', 'partnercentral:UpdateConnectionPreferences'],
      Condition: { StringEquals: { 'partnercentral:Catalog': ['Sandbox'] } },
    }), expect.objectContaining({ Action: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'] })]);
    const resourceOf = (c: ConnectionPreferences) => template.toJSON().Resources[stack.getLogicalId(c.node.findChild('Resource').node.defaultChild as any)];
    expect(resourceOf(destroyed).DependsOn).toContain(ownPolicyIds[0]);
    // Its Roles already reference the handler's role: a DependsOn would repeat it (cfn-lint W3005).
    expect(policies[ownPolicyIds[0]].DependsOn).toBeUndefined();
    expect(Object.keys(policies).filter((id) => id.startsWith('Retained'))).toEqual([]);
    // The shared statement lists only the catalogs whose Delete makes no call.
    expect(JSON.stringify(policies)).toContain('"partnercentral:Catalog":["AWS"]');
  });

  test('pointing a DESTROY resource elsewhere gives its permissions a new logical id, so the old ones outlive the old resource', () => {
    const policyIdFor = (props: Partial<ConnectionPreferencesProps>) => {
      const stack = new Stack(new App(), 'Partner');
      new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_ALL, removalPolicy: RemovalPolicy.DESTROY, ...props });
      return Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((id) => id.includes('DeletePermissions'));
    };
    const aws = policyIdFor({});
    expect(aws).toHaveLength(1);
    expect(policyIdFor({ catalog: Catalog.SANDBOX })).not.toEqual(aws);
    expect(policyIdFor({ assumeRoleArn: 'arn:aws:iam::444455556666:role/pc' })).not.toEqual(aws);
    expect(policyIdFor({})).toEqual(aws);
  });

  test('no role means no sts permission', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('sts:');
  });

  test('the handler gets the longest timeout declared in its stack', () => {
    const { template } = stackWith(
      { accessType: AccessType.ALLOW_ALL, timeout: Duration.minutes(5) },
      { accessType: AccessType.ALLOW_ALL, catalog: Catalog.SANDBOX, timeout: Duration.seconds(45) },
    );
    template.hasResourceProperties('AWS::Lambda::Function', { ...HANDLER, Timeout: 300 });
  });
});

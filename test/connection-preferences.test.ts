import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { determineLatestNodeRuntime } from 'aws-cdk-lib/aws-lambda';
import { AccessType, Catalog, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';

function stackWith(...declared: ConstructorParameters<typeof ConnectionPreferences>[2][]) {
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

  test('exposes the handler data as attributes', () => {
    const { stack, constructs: [prefs] } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const logicalId = stack.getLogicalId(prefs.node.findChild('Resource').node.defaultChild as any);
    const attributes = {
      Arn: prefs.attrArn, Revision: prefs.attrRevision, UpdatedAt: prefs.attrUpdatedAt,
      AccessType: prefs.attrAccessType, ExcludedParticipantIds: prefs.attrExcludedParticipantIds,
    };
    for (const [name, token] of Object.entries(attributes)) {
      expect(stack.resolve(token)).toEqual({ 'Fn::GetAtt': [logicalId, name] });
    }
  });

  test('depends on the log groups, so they exist before the first invocation', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const logGroups = Object.keys(template.findResources('AWS::Logs::LogGroup'));
    const [resource] = Object.values(template.findResources(RESOURCE_TYPE));
    expect(logGroups).toHaveLength(2);
    expect(resource.DependsOn).toEqual(expect.arrayContaining(logGroups));
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

  test('logs to a log group named as Lambda names it, with a retention period', () => {
    const { template } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const [handlerId] = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: HANDLER }));
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['/aws/lambda/', { Ref: handlerId }]] },
      RetentionInDays: 365,
    });
    // The Provider framework's function logs to a log group of its own, also with a retention period.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'framework.onEvent',
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('ProviderLogs') } },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('ships the prebundled handler: the asset is the bundle the build wrote, with nothing to build at synth', () => {
    const { app } = stackWith({ accessType: AccessType.ALLOW_ALL });
    const assembly = app.synth();
    const handlerAssets = fs.readdirSync(assembly.directory)
      .filter((entry) => entry.startsWith('asset.') && fs.existsSync(path.join(assembly.directory, entry, 'index.js')))
      .map((entry) => fs.readFileSync(path.join(assembly.directory, entry, 'index.js'), 'utf8'));
    const bundle = fs.readFileSync(path.join(__dirname, '..', 'assets', 'handler', 'index.js'), 'utf8');
    expect(handlerAssets).toContain(bundle);
  });
});

import { readFileSync } from 'fs';
import * as path from 'path';
import { dump } from 'js-yaml';
import { Stack } from 'aws-cdk-lib';
import { DEFAULT_ACCOUNT, Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { parseTemplateBody } from '../lambda/template-body';
import { runCommand } from './plan-command';
import { synthesizeApp } from './support/synth';

jest.setTimeout(60_000);

describe('parseTemplateBody', () => {
  test('reads every short form as its long form', () => {
    expect(parseTemplateBody(`
Conditions:
  InIreland: !Equals [!Ref 'AWS::Region', eu-west-1]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Condition: InIreland
    Properties:
      TopicName: !Sub '\${AWS::StackName}-topic'
      DisplayName: !Join ['-', [!Ref 'AWS::Region', !Select [0, !GetAZs '']]]
      Tags:
        - { Key: a, Value: !GetAtt Provider.Arn }
        - { Key: b, Value: !GetAtt [Provider, Outputs.Nested] }
        - { Key: c, Value: !If [InIreland, !ImportValue Shared, !FindInMap [M, K, V]] }
        - { Key: d, Value: !Base64 { 'Fn::Sub': x } }
        - { Key: e, Value: !Sub ['\${A}', { A: !Condition InIreland }] }
        - { Key: f, Value: !Not [!Or [!Condition InIreland, !And [!Equals [a, b]]]] }
`)).toEqual({
      Conditions: { InIreland: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        Topic: {
          Type: 'AWS::SNS::Topic',
          Condition: 'InIreland',
          Properties: {
            TopicName: { 'Fn::Sub': '${AWS::StackName}-topic' },
            DisplayName: { 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { 'Fn::Select': ['0', { 'Fn::GetAZs': '' }] }]] },
            Tags: [
              { Key: 'a', Value: { 'Fn::GetAtt': ['Provider', 'Arn'] } },
              { Key: 'b', Value: { 'Fn::GetAtt': ['Provider', 'Outputs.Nested'] } },
              { Key: 'c', Value: { 'Fn::If': ['InIreland', { 'Fn::ImportValue': 'Shared' }, { 'Fn::FindInMap': ['M', 'K', 'V'] }] } },
              { Key: 'd', Value: { 'Fn::Base64': { 'Fn::Sub': 'x' } } },
              { Key: 'e', Value: { 'Fn::Sub': ['${A}', { A: { Condition: 'InIreland' } }] } },
              { Key: 'f', Value: { 'Fn::Not': [{ 'Fn::Or': [{ Condition: 'InIreland' }, { 'Fn::And': [{ 'Fn::Equals': ['a', 'b'] }] }] }] } },
            ],
          },
        },
      },
    });
  });

  test('keeps every scalar as written, as CloudFormation passes them to a custom resource; reads JSON as JSON', () => {
    expect(parseTemplateBody('Ids: [111122223333, 012345678901, true, 1.50, ~]')).toEqual({ Ids: ['111122223333', '012345678901', 'true', '1.50', '~'] });
    expect(parseTemplateBody('{"Resources": {"A": {"Type": "T", "Properties": {"N": 210}}}}')).toEqual({ Resources: { A: { Type: 'T', Properties: { N: 210 } } } });
    expect(parseTemplateBody('{Resources: {A: {Type: T}}}')).toEqual({ Resources: { A: { Type: 'T' } } });
  });

  test('says where a template is broken', () => {
    expect(() => parseTemplateBody('Resources:\n  A: [unclosed\n')).toThrow(/deficient indentation \(3:1\)/);
  });
});

describe('plan against a stack deployed with a YAML template', () => {
  let emulator: Emulator;
  let assembly: string;
  let template: any;
  let logicalId: string;
  beforeAll(async () => {
    emulator = new Emulator();
    await emulator.start();
    assembly = synthesizeApp({ Partner: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['111122223333', 'p-1'] }) });
    template = JSON.parse(readFileSync(path.join(assembly, 'Partner.template.json'), 'utf8'));
    logicalId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === RESOURCE_TYPE)!;
  });
  afterAll(() => emulator.stop());

  const deployWith = (templateBody?: string) => {
    emulator.reset();
    emulator.cloudFormation.record({
      StackName: 'Partner', StackId: `arn:aws:cloudformation:eu-west-1:${DEFAULT_ACCOUNT}:stack/Partner/1`, Account: DEFAULT_ACCOUNT, Region: 'eu-west-1',
      Template: template, TemplateBody: templateBody, StackStatus: 'UPDATE_COMPLETE', Resources: {},
    });
    emulator.writeOutside(DEFAULT_ACCOUNT, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ['111122223333', 'p-1', 'p-console'] });
  };
  const planJson = async () => {
    const run = await runCommand(['plan', '--assembly', assembly, '--endpoint', emulator.url, '--json']);
    expect(emulator.calls.filter((c) => c.operation === 'GetTemplate').map((c) => c.status)).toEqual([200]);
    return JSON.parse(run.stdout);
  };

  test('the YAML the CDK CLI sends, and YAML with short forms and unquoted numbers, plan as the JSON template does', async () => {
    deployWith(undefined);
    const fromJson = await planJson();
    expect(fromJson.resources[0]).toMatchObject({ status: 'out-of-sync', request: 'none', drift: { description: 'exclusions added: p-console', deploy: 'leaves' } });

    deployWith(dump(template));
    expect(await planJson()).toEqual(fromJson);

    const properties = template.Resources[logicalId].Properties;
    deployWith(`AWSTemplateFormatVersion: 2010-09-09
Parameters:
  BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: /cdk-bootstrap/hnb659fds/version }
Resources:
  ${logicalId}:
    Type: ${RESOURCE_TYPE}
    Properties:
      ServiceToken: !GetAtt ${properties.ServiceToken['Fn::GetAtt'][0]}.Arn
      ServiceTimeout: ${properties.ServiceTimeout}
      Catalog: AWS
      AccessType: ALLOW_BY_DEFAULT_DENY_SOME
      ExcludedParticipantIdentifiers:
        - 111122223333
        - p-1
      RemovalPolicy: retain
      DriftPolicy: overwrite
    Metadata:
      aws:cdk:path: !Sub '\${AWS::StackName}/Prefs'
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Join ['-', [!Ref 'AWS::StackName', !Select [0, !GetAZs '']]]
`);
    expect(await planJson()).toEqual(fromJson);
  });

  test('a deployed template that YAML cannot read is an error on its resources, naming the stack', async () => {
    deployWith('Resources:\n  A: [unclosed\n');
    const run = await runCommand(['plan', '--assembly', assembly, '--endpoint', emulator.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/! error: the deployed template of stack Partner \(GetTemplate\) could not be read: deficient indentation \(3:1\)/);
  });
});

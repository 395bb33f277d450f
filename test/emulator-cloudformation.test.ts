import * as path from 'path';
import { Emulator } from '../emulator/emulator';

jest.setTimeout(60_000);

/**
 * The local CloudFormation's side of the custom resource contract, with a provider that answers as told
 * (test/fixtures/custom-resource-provider): what it sends, and what it refuses as CloudFormation does.
 */
const emulator = new Emulator();
beforeAll(() => emulator.start());
afterAll(() => emulator.stop());

const PROVIDER = path.join(__dirname, 'fixtures', 'custom-resource-provider');
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
let stacks = 0;

/** A stack with the provider function and custom resources of type Custom::Thing with these properties. */
function templateOf(things: Record<string, Record<string, unknown>>, providerVariables: Record<string, string> = {}) {
  return {
    Resources: {
      ProviderRole: { Type: 'AWS::IAM::Role', Properties: {} },
      Provider: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'aws:asset:path': PROVIDER },
        Properties: {
          Runtime: 'nodejs24.x', Handler: 'index.handler', Role: { 'Fn::GetAtt': ['ProviderRole', 'Arn'] }, Timeout: 30,
          Environment: { Variables: providerVariables },
        },
      },
      ...Object.fromEntries(Object.entries(things).map(([id, properties]) =>
        [id, { Type: 'Custom::Thing', Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] }, ...properties } }])),
    },
    Outputs: { Mode: { Value: { 'Fn::GetAtt': [Object.keys(things)[0], 'Mode'] } } },
  };
}

function deployer() {
  const stackName = `Stack${++stacks}`;
  const deploy = (things: Record<string, Record<string, unknown>>, providerVariables?: Record<string, string>) =>
    emulator.cloudFormation.deploy({ stackName, template: templateOf(things, providerVariables), account: ACCOUNT, region: REGION, assemblyDirectory: '/' });
  const exchanges = () => emulator.cloudFormation.exchanges.filter((e) => e.stackName === stackName);
  return { stackName, deploy, exchanges };
}

test('sends CloudFormation\'s request: every scalar a string, a presigned HTTPS ResponseURL, the old properties on Update', async () => {
  const { deploy, exchanges } = deployer();
  expect(await deploy({ Thing: { Mode: 'ok', Count: 3, Flag: true, Nested: { List: [1, false, 'a'] } } })).toMatchObject({ status: 'CREATE_COMPLETE' });
  expect(await deploy({ Thing: { Mode: 'ok', Count: 4 } })).toMatchObject({ status: 'UPDATE_COMPLETE' });

  const [create, update] = exchanges().map((e) => e.request);
  expect(create).toMatchObject({
    RequestType: 'Create', ResourceType: 'Custom::Thing', LogicalResourceId: 'Thing',
    ServiceToken: expect.stringMatching(new RegExp(`^arn:aws:lambda:eu-west-1:${ACCOUNT}:function:`)),
    StackId: expect.stringMatching(new RegExp(`^arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/Stack\\d+/`)),
    ResourceProperties: { Mode: 'ok', Count: '3', Flag: 'true', Nested: { List: ['1', 'false', 'a'] } },
  });
  expect(create).not.toHaveProperty('PhysicalResourceId');
  expect(update).toMatchObject({ RequestType: 'Update', PhysicalResourceId: 'thing-1', ResourceProperties: { Count: '4' }, OldResourceProperties: { Count: '3' } });
  const received = receivedRequests().find((r) => r.RequestId === create.RequestId)!;
  expect(received.ResponseURL).toMatch(/^https:\/\/cloudformation-custom-resource-response-euwest1\.s3\.amazonaws\.com\/arn%3Aaws%3Acloudformation[^?]+\?.*X-Amz-Signature=[0-9a-f]{64}$/);
});

test('a response of 4,096 bytes is accepted; one of 4,097 fails the resource with "Response object is too long."', async () => {
  const fits = deployer();
  expect(await fits.deploy({ Thing: { Mode: 'ok', Bytes: 4096 } })).toMatchObject({ status: 'CREATE_COMPLETE' });
  expect(fits.exchanges()[0].responseBytes).toBe(4096);

  const tooLong = deployer();
  expect(await tooLong.deploy({ Thing: { Mode: 'ok', Bytes: 4097 } })).toEqual({
    status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Thing', reason: 'Response object is too long.' }, laterFailures: [],
  });
  expect(tooLong.exchanges()[0].responseBytes).toBe(4097);
  expect(emulator.cloudFormation.stack(ACCOUNT, REGION, tooLong.stackName) !== undefined).toBe(false);
});

test.each([
  ['the provider\'s FAILED, with its Reason', 'fail', 'the provider says no'],
  ['a FAILED response without a Reason', 'fail-without-reason', 'Invalid response object: a FAILED response must have a Reason.'],
  ['a response to another request', 'wrong-request-id', 'Invalid response object: RequestId does not match the request\'s.'],
  ['Data that is not all strings', 'number-data', 'Invalid response object: Data must map names to strings.'],
])('%s fails the resource', async (_, mode, reason) => {
  const { deploy } = deployer();
  expect(await deploy({ Thing: { Mode: mode } })).toMatchObject({ status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Thing', reason } });
});

test('a Delete answered with another physical id fails', async () => {
  const { stackName, deploy } = deployer();
  await deploy({ Thing: { Mode: 'change-id-on-delete' } });
  expect(await emulator.cloudFormation.deleteStack(ACCOUNT, REGION, stackName)).toMatchObject({
    status: 'DELETE_FAILED', failure: { logicalId: 'Thing', reason: 'Invalid PhysicalResourceId: a Delete must answer with the request\'s, thing-1.' },
  });
});

test('a failed Delete keeps what the resource depends on, so that deleting the stack again reaches its provider', async () => {
  // Found by the soak: the provider function was deleted after its resource failed, and every later delete said
  // "Function not found".
  const { stackName, deploy } = deployer();
  await deploy({ Thing: { Mode: 'change-id-on-delete' } });
  await emulator.cloudFormation.deleteStack(ACCOUNT, REGION, stackName);
  expect(Object.keys(emulator.cloudFormation.stack(ACCOUNT, REGION, stackName)!.Resources).sort()).toEqual(['Provider', 'ProviderRole', 'Thing']);
  expect(await emulator.cloudFormation.deleteStack(ACCOUNT, REGION, stackName)).toMatchObject({
    status: 'DELETE_FAILED', failure: { reason: expect.stringMatching(/^Invalid PhysicalResourceId/) },
  });
});

test('no response: the resource fails at its ServiceTimeout, not after an hour', async () => {
  const { deploy } = deployer();
  const started = Date.now();
  const result = await deploy({ Thing: { Mode: 'silent', ServiceTimeout: 2 } });
  expect(result.failure?.reason).toMatch(/^CloudFormation did not receive a response from your Custom Resource\. .*No response within the ServiceTimeout of 2 s/);
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('a ServiceTimeout outside 1-3600 s fails the resource without sending it anything', async () => {
  const { deploy, exchanges } = deployer();
  expect(await deploy({ Thing: { Mode: 'ok', ServiceTimeout: 3601 } })).toMatchObject({
    status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Thing', reason: 'ServiceTimeout 3601 is not a whole number of seconds from 1 to 3600.' },
  });
  expect(exchanges()).toEqual([]);
});

test.each([
  ['true', true, 'true'],
  ['a list of 10,000 items', Array.from({ length: 10_000 }, (_, i) => `p-${i}`), '["p-0","p-1","p-2","p-3","p-4","p-5","p-6","p-7","p-8","p-9"… (88891 characters)'],
  ['an object', { seconds: 5 }, '{"seconds":5}'],
])('a ServiceTimeout that is %s is refused, and named shortly', async (_, serviceTimeout, named) => {
  const { deploy } = deployer();
  expect(await deploy({ Thing: { Mode: 'ok', ServiceTimeout: serviceTimeout } })).toMatchObject({
    failure: { reason: `ServiceTimeout ${named} is not a whole number of seconds from 1 to 3600.` },
  });
});

test('a failed Create is deleted by the rollback, with the physical id its FAILED response named', async () => {
  const { deploy, exchanges } = deployer();
  await deploy({ Thing: { Mode: 'fail' } });
  expect(exchanges().map((e) => [e.phase, e.requestType, e.request.PhysicalResourceId, e.status])).toEqual([
    ['update', 'Create', undefined, 'FAILED'],
    ['rollback', 'Delete', 'thing-1', 'SUCCESS'],
  ]);
});

test('a failed update is rolled back: updates back in reverse order, the failed resource included', async () => {
  const { stackName, deploy, exchanges } = deployer();
  await deploy({ First: { Mode: 'ok', Version: 1 }, Second: { Mode: 'ok', Version: 1 } });
  const result = await deploy({ First: { Mode: 'ok', Version: 2 }, Second: { Mode: 'fail', Version: 2 } });

  expect(result).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', failure: { logicalId: 'Second', reason: 'the provider says no' } });
  expect(exchanges().slice(2).map((e) => [e.phase, e.logicalId, e.requestType, e.request.ResourceProperties.Version, e.request.OldResourceProperties?.Version]))
    .toEqual([
      ['update', 'First', 'Update', '2', '1'],
      ['update', 'Second', 'Update', '2', '1'],
      ['rollback', 'Second', 'Update', '1', '2'],
      ['rollback', 'First', 'Update', '1', '2'],
    ]);
  expect(emulator.cloudFormation.stack(ACCOUNT, REGION, stackName)!.Resources.First.Properties.Version).toBe(1);
});

test('a replacement: the cleanup phase deletes the old physical id with the old properties', async () => {
  const { deploy, exchanges } = deployer();
  await deploy({ Thing: { Mode: 'ok' } });
  await deploy({ Thing: { Mode: 'new-physical-id' } });
  expect(exchanges().slice(1).map((e) => [e.phase, e.requestType, e.request.PhysicalResourceId, e.request.ResourceProperties.Mode])).toEqual([
    ['update', 'Update', 'thing-1', 'new-physical-id'],
    ['cleanup', 'Delete', 'thing-1', 'ok'],
  ]);
});

test('a provider whose environment is over Lambda\'s 4 KB is refused, and the stack rolls back', async () => {
  const { deploy } = deployer();
  const result = await deploy({ Thing: { Mode: 'ok' } }, { BIG: 'x'.repeat(4100) });
  expect(result).toMatchObject({ status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Provider', reason: expect.stringContaining('exceeded the 4KB limit') } });
});

test('GetTemplate and ListStackResources answer the stack\'s own account only, through the SDK', async () => {
  const { CloudFormationClient, GetTemplateCommand, ListStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
  const { stackName, deploy } = deployer();
  await deploy({ Thing: { Mode: 'ok' } });
  const client = (account: string) => new CloudFormationClient({
    region: 'eu-west-1', endpoint: emulator.url, credentials: { accessKeyId: `AKIATEST${account}`, secretAccessKey: 'x' },
  });

  const { StackResourceSummaries } = await client(ACCOUNT).send(new ListStackResourcesCommand({ StackName: stackName }));
  expect(StackResourceSummaries!.map((r) => [r.LogicalResourceId, r.ResourceType, r.ResourceStatus])).toEqual([
    ['ProviderRole', 'AWS::IAM::Role', 'CREATE_COMPLETE'],
    ['Provider', 'AWS::Lambda::Function', 'CREATE_COMPLETE'],
    ['Thing', 'Custom::Thing', 'CREATE_COMPLETE'],
  ]);
  const { TemplateBody } = await client(ACCOUNT).send(new GetTemplateCommand({ StackName: stackName }));
  expect(JSON.parse(TemplateBody!).Resources.Thing.Type).toBe('Custom::Thing');
  await expect(client('210987654321').send(new GetTemplateCommand({ StackName: stackName }))).rejects.toThrow(/does not exist/);
});

/** The requests the provider logged, as it received them. */
function receivedRequests(): any[] {
  return [...emulator.lambda.logs.values()].flat().join('').split('\n')
    .filter((line) => line.startsWith('{"received"')).map((line) => JSON.parse(line).received);
}

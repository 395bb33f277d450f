import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { StoredStack } from '../emulator/cloudformation';
import { useEmulator } from './support/emulator-environment';

/** The local CloudFormation's DescribeStacks, through the real SDK: status, times, parameters, and the caller's stacks only. */
const { emulator, newAccount } = useEmulator();
const REGION = 'eu-west-1';
const describeStacks = (stackName?: string) => new CloudFormationClient({ region: REGION, maxAttempts: 1 }).send(new DescribeStacksCommand({ StackName: stackName }));
const CREATED = '2021-03-04T05:06:07.000Z';
const UPDATED = '2022-03-04T05:06:07.000Z';
const OTHER_ACCOUNT = '999999999999';

/** A stack as a deploy leaves it, with fixed times, stored directly. Each account also has the stack Partner (./support/events). */
function recordStack(account: string, changes: Partial<StoredStack> = {}): StoredStack {
  const stack: StoredStack = {
    StackName: 'Described', StackId: `arn:aws:cloudformation:${REGION}:${account}:stack/Described/0f0e`, Account: account, Region: REGION,
    Template: { Resources: { Role: { Type: 'AWS::IAM::Role', Properties: {} } } }, StackStatus: 'CREATE_COMPLETE', CreationTime: CREATED,
    Resources: {
      Role: {
        LogicalResourceId: 'Role', ResourceType: 'AWS::IAM::Role', PhysicalResourceId: 'Described-Role-1', ResourceStatus: 'CREATE_COMPLETE',
        Properties: {}, Attributes: {}, LastUpdatedTimestamp: CREATED,
      },
    },
    ...changes,
  };
  emulator.cloudFormation.record(stack);
  return stack;
}

/** Updates the stack as `cdk deploy` would: the role goes, another comes. */
const update = (account: string, template: StoredStack['Template'] = { Resources: { Other: { Type: 'AWS::IAM::Role', Properties: {} } } }) =>
  emulator.cloudFormation.deploy({ stackName: 'Described', template, account, region: REGION, assemblyDirectory: '/' });

test('a stack, by name or by stack id: its name, id, status and creation time, and no update time before an update', async () => {
  const account = newAccount();
  const stack = recordStack(account);
  for (const nameOrId of [stack.StackName, stack.StackId]) {
    const { Stacks } = await describeStacks(nameOrId);
    expect(Stacks).toHaveLength(1);
    expect(Stacks![0]).toMatchObject({ StackName: 'Described', StackId: stack.StackId, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(CREATED) });
    expect(Stacks![0].LastUpdatedTime).toBeUndefined();
  }
});

test('an update sets the update time and the new status, and keeps the creation time', async () => {
  const account = newAccount();
  recordStack(account, { StackStatus: 'UPDATE_COMPLETE', LastUpdatedTime: UPDATED });
  expect((await describeStacks('Described')).Stacks![0]).toMatchObject({ StackStatus: 'UPDATE_COMPLETE', LastUpdatedTime: new Date(UPDATED) });

  expect(await update(account)).toMatchObject({ status: 'UPDATE_COMPLETE' });
  const [after] = (await describeStacks('Described')).Stacks!;
  expect(after).toMatchObject({ StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(CREATED) });
  expect(after.LastUpdatedTime).toEqual(new Date(emulator.cloudFormation.stack(account, REGION, 'Described')!.LastUpdatedTime!));
  expect(after.LastUpdatedTime).not.toEqual(new Date(UPDATED));
});

test('an update that rolls back keeps the time it began, as CloudFormation does', async () => {
  const account = newAccount();
  recordStack(account, { LastUpdatedTime: UPDATED });
  const failing = { Resources: { Broken: { Type: 'AWS::IAM::Role', Properties: { RoleName: { Ref: 'Missing' } } } } };
  expect(await update(account, failing)).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE' });

  const [after] = (await describeStacks('Described')).Stacks!;
  expect(after).toMatchObject({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date(CREATED) });
  expect(after.LastUpdatedTime).toBeInstanceOf(Date);
  expect(after.LastUpdatedTime).not.toEqual(new Date(UPDATED));
});

test('a stack from a state file without creation times: its earliest resource time, kept when that resource is replaced', async () => {
  const account = newAccount();
  recordStack(account, { CreationTime: undefined });
  expect((await describeStacks('Described')).Stacks![0].CreationTime).toEqual(new Date(CREATED));

  expect(await update(account)).toMatchObject({ status: 'UPDATE_COMPLETE' });
  expect(emulator.cloudFormation.stack(account, REGION, 'Described')!.Resources).not.toHaveProperty('Role');
  expect((await describeStacks('Described')).Stacks![0].CreationTime).toEqual(new Date(CREATED));
});

test('a stack without creation time or resources is said to be created at the epoch', async () => {
  const account = newAccount();
  recordStack(account, { CreationTime: undefined, Resources: {} });
  expect((await describeStacks('Described')).Stacks![0].CreationTime).toEqual(new Date(0));
});

test('a stack created by a deploy has a creation time and no update time', async () => {
  const account = newAccount();
  expect(await update(account)).toMatchObject({ status: 'CREATE_COMPLETE' });
  const [created] = (await describeStacks('Described')).Stacks!;
  expect(created.CreationTime).toEqual(new Date(emulator.cloudFormation.stack(account, REGION, 'Described')!.CreationTime!));
  expect(created.LastUpdatedTime).toBeUndefined();
});

test('parameters have their template defaults, as strings, a NoEcho one masked, one without a default no value', async () => {
  const account = newAccount();
  const Parameters = {
    Stage: { Type: 'String', Default: 'prod' }, Retries: { Type: 'Number', Default: 3 }, Token: { Type: 'String', Default: 'secret', NoEcho: true },
    Unset: { Type: 'String' },
  };
  recordStack(account, { Template: { Parameters, Resources: {} } as unknown as StoredStack['Template'] });
  expect((await describeStacks('Described')).Stacks![0].Parameters).toEqual([
    { ParameterKey: 'Stage', ParameterValue: 'prod' }, { ParameterKey: 'Retries', ParameterValue: '3' },
    { ParameterKey: 'Token', ParameterValue: '****' }, { ParameterKey: 'Unset' },
  ]);
});

test('a stack that does not exist, or is another account\'s or region\'s, gives CloudFormation\'s ValidationError', async () => {
  const account = newAccount();
  const othersStack = recordStack(OTHER_ACCOUNT);
  recordStack(account, { Region: 'us-east-1', StackName: 'Elsewhere' });
  for (const nameOrId of ['Nowhere', othersStack.StackName, othersStack.StackId, 'Elsewhere']) {
    await expect(describeStacks(nameOrId)).rejects.toMatchObject({ name: 'ValidationError', message: `Stack with id ${nameOrId} does not exist` });
  }
});

test('without a name, every stack of the caller\'s account and region', async () => {
  const account = newAccount();
  recordStack(account);
  recordStack(account, { Region: 'us-east-1', StackName: 'Elsewhere' });
  recordStack(OTHER_ACCOUNT, { StackName: 'Others' });
  expect((await describeStacks()).Stacks!.map((s) => s.StackName).sort()).toEqual(['Described', 'Partner']);
});

import { readFileSync } from 'fs';
import * as path from 'path';
import { CfnOutput, CfnParameter, CfnResource, CfnWaitConditionHandle, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Emulator } from '../emulator/emulator';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesProps, DriftPolicy } from '../lib';
import { useEmulator } from './support/emulator-environment';
import { synthesizeApp } from './support/synth';

jest.setTimeout(120_000);

/**
 * The whole chain as on AWS, with nothing played: the local CloudFormation deploys the synthesized stack; aws-cdk-lib's
 * Provider framework, from the assembly, runs in the local Lambda on its runtime's Node and invokes the handler from
 * the assembly, which calls Partner Central through the real SDK; the framework PUTs its response over HTTPS to a
 * bucket that enforces CloudFormation's response contract.
 */
const { emulator, newAccount } = useEmulator();
const REGION = 'eu-west-1';
const declare = (id: string, props: ConnectionPreferencesProps) => (stack: Stack) => new ConnectionPreferences(stack, id, props);
const ids = (count: number, length: number, prefix = 'p') => Array.from({ length: count }, (_, i) => `${prefix}${i}-`.padEnd(length, 'x'));

/** A stack of this test, in its own account, deployed with whatever it declares at each step. */
function stackIn(account: string, stackName = `Stack${account.slice(-4)}`) {
  const deploy = async (...builds: ((stack: Stack) => void)[]) => {
    const assembly = synthesizeApp({ [stackName]: (stack) => builds.forEach((build) => build(stack)) });
    const template = JSON.parse(readFileSync(path.join(assembly, `${stackName}.template.json`), 'utf8'));
    return emulator.cloudFormation.deploy({ stackName, template, account, region: REGION, assemblyDirectory: assembly });
  };
  const exchanges = () => emulator.cloudFormation.exchanges.filter((e) => e.stackName === stackName);
  const live = (catalog = 'AWS') => {
    const { AccessType: accessType, ExcludedParticipantIds: excluded, Revision: revision } = emulator.preferences(account, catalog);
    return { accessType, excluded, revision };
  };
  return { account, stackName, deploy, exchanges, live, destroy: () => emulator.cloudFormation.deleteStack(account, REGION, stackName), calls: () => partnerCentralCalls(emulator, account) };
}

function partnerCentralCalls(local: Emulator, account: string): string[] {
  return local.calls.filter((c) => c.account === account && c.service === 'partnercentral-account').map((c) => `${c.operation} ${c.status}`);
}

describe('the lifecycle through aws-cdk-lib\'s Provider framework', () => {
  test('create, update, an update with nothing to write, and delete with RETAIN', async () => {
    const stack = stackIn(newAccount());
    expect(await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL }))).toMatchObject({ status: 'CREATE_COMPLETE' });
    expect(stack.live()).toEqual({ accessType: 'DENY_ALL', excluded: [], revision: 1 });

    await stack.deploy(declare('Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1'] }));
    expect(stack.live()).toEqual({ accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excluded: ['p-1'], revision: 2 });

    // Another drift policy changes the properties, not the preferences: CloudFormation sends an Update, nothing is written.
    const callsBefore = stack.calls().length;
    await stack.deploy(declare('Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1'], driftPolicy: DriftPolicy.FAIL }));
    expect(stack.calls().slice(callsBefore)).toEqual(['GetConnectionPreferences 200']);

    expect(await stack.destroy()).toMatchObject({ status: 'DELETE_COMPLETE' });
    expect(stack.calls().slice(callsBefore + 1)).toEqual([]);
    expect(stack.exchanges().map((e) => [e.requestType, e.status])).toEqual([['Create', 'SUCCESS'], ['Update', 'SUCCESS'], ['Update', 'SUCCESS'], ['Delete', 'SUCCESS']]);
    expect(stack.live().accessType).toBe('ALLOW_BY_DEFAULT_DENY_SOME');
  });

  test('delete with DESTROY resets the preferences', async () => {
    const stack = stackIn(newAccount());
    await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));
    expect(await stack.destroy()).toMatchObject({ status: 'DELETE_COMPLETE' });
    expect(stack.live()).toEqual({ accessType: 'ALLOW_ALL', excluded: [], revision: 2 });
  });

  test('a Create that fails, and the Delete CloudFormation sends after it, which the framework answers without the handler', async () => {
    const stack = stackIn(newAccount());
    emulator.inject({ kind: 'access-denied', count: 1 });
    const result = await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));

    expect(result).toMatchObject({ status: 'ROLLBACK_COMPLETE', failure: { logicalId: expect.stringMatching(/^Prefs/), reason: expect.stringMatching(/^Partner Central denied GetConnectionPreferences/) } });
    expect(stack.exchanges().map((e) => [e.phase, e.requestType, e.request.PhysicalResourceId, e.status])).toEqual([
      ['update', 'Create', undefined, 'FAILED'],
      ['rollback', 'Delete', 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', 'SUCCESS'],
    ]);
    expect(handlerInvocations(stack.stackName)).toHaveLength(1);
    expect(stack.calls()).toEqual(['GetConnectionPreferences 403']);
  });

  test('an Update that fails is rolled back: the resource updated before it gets its old preferences back', async () => {
    const stack = stackIn(newAccount());
    const both = (accessType: AccessType) => [
      declare('Production', { accessType }),
      declare('Testing', { accessType, catalog: Catalog.SANDBOX }),
    ];
    await stack.deploy(...both(AccessType.ALLOW_ALL));
    emulator.inject({ kind: 'access-denied', count: 1, catalog: 'Sandbox' });

    const result = await stack.deploy(...both(AccessType.DENY_ALL));

    expect(result).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', failure: { logicalId: expect.stringMatching(/^Testing/) } });
    expect(stack.exchanges().slice(2).map((e) => [e.phase, e.logicalId.replace(/[0-9A-F]{8}$/, ''), e.status])).toEqual([
      ['update', 'Production', 'SUCCESS'],
      ['update', 'Testing', 'FAILED'],
      ['rollback', 'Testing', 'SUCCESS'],
      ['rollback', 'Production', 'SUCCESS'],
    ]);
    // Created as ALLOW_ALL, which a new account already has: DENY_ALL was revision 1, the rollback's ALLOW_ALL is 2.
    expect(stack.live('AWS')).toEqual({ accessType: 'ALLOW_ALL', excluded: [], revision: 2 });
    expect(stack.live('Sandbox')).toEqual({ accessType: 'ALLOW_ALL', excluded: [], revision: 0 });
  });

  test('a replacement: another catalog is a new physical id, and the cleanup phase resets the old one (DESTROY)', async () => {
    const stack = stackIn(newAccount());
    await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));
    await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY, catalog: Catalog.SANDBOX }));

    expect(stack.exchanges().slice(1).map((e) => [e.phase, e.requestType, e.request.PhysicalResourceId?.split(':').pop()])).toEqual([
      ['update', 'Update', 'catalog/AWS/connection-preferences'],
      ['cleanup', 'Delete', 'catalog/AWS/connection-preferences'],
    ]);
    expect(stack.live('AWS').accessType).toBe('ALLOW_ALL');
    expect(stack.live('Sandbox').accessType).toBe('DENY_ALL');
  });

  test('an answer lost between the framework and the handler: the framework\'s client retries, and the handler writes once', async () => {
    const stack = stackIn(newAccount());
    emulator.lambda.inject({ kind: 'lose-answer', count: 1 });
    expect(await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL }))).toMatchObject({ status: 'CREATE_COMPLETE' });

    expect(handlerInvocations(stack.stackName).map((i) => i.outcome)).toEqual(['lost', 'ok']);
    expect(emulator.writes.filter((w) => w.account === stack.account && w.by === 'api')).toHaveLength(1);
    expect(stack.calls()).toEqual(['GetConnectionPreferences 200', 'UpdateConnectionPreferences 200', 'GetConnectionPreferences 200']);
  });

  test('both functions run on the Node major of the runtime the construct declares', async () => {
    const stack = stackIn(newAccount());
    await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL }));
    const functions = Object.values(emulator.cloudFormation.stack(stack.account, REGION, stack.stackName)!.Resources).filter((r) => r.ResourceType === 'AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties.Runtime)).toEqual(['nodejs24.x', 'nodejs24.x']);
    const invoked = emulator.lambda.invocations.filter((i) => functions.some((f) => f.PhysicalResourceId === i.functionName));
    expect(invoked.length).toBe(2);
    expect(invoked.every((i) => i.nodeMatchesRuntime)).toBe(true);
  });
});

describe('a moved construct never undoes its successor', () => {
  test('moved in the tree with DESTROY: the old resource\'s Delete finds its successor in the stack and resets nothing', async () => {
    const stack = stackIn(newAccount());
    // Enough other resources that the successor is on the second page of ListStackResources.
    const filler = (s: Stack) => Array.from({ length: 120 }, (_, i) => new CfnWaitConditionHandle(s, `Filler${i}`));
    await stack.deploy(filler, declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));
    const callsBefore = emulator.calls.length;

    const moved = await stack.deploy(filler, (s) => new ConnectionPreferences(new Construct(s, 'Partner'), 'Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));

    expect(moved).toMatchObject({ status: 'UPDATE_COMPLETE', laterFailures: [] });
    expect(stack.exchanges().slice(1).map((e) => [e.phase, e.requestType, e.logicalId.replace(/[0-9A-F]{8}$/, '')])).toEqual([
      ['update', 'Create', 'PartnerPrefs'],
      ['cleanup', 'Delete', 'Prefs'],
    ]);
    expect(stack.live()).toEqual({ accessType: 'DENY_ALL', excluded: [], revision: 1 });
    expect(emulator.calls.slice(callsBefore).filter((c) => c.service !== 'lambda').map((c) => `${c.operation} ${c.status}`)).toEqual([
      // The stack is not rolling back: nothing to restore either.
      'GetConnectionPreferences 200', 'ListStackResources 200', 'ListStackResources 200', 'DescribeStacks 200',
    ]);
  });

  describe.each([
    ['the template it rolls back to', 'previous' as const, { accessType: 'DENY_ALL', excluded: [], revision: 3 }],
    ['still the failed deploy\'s template', 'attempted' as const, { accessType: 'ALLOW_BY_DEFAULT_DENY_SOME', excluded: ['p-1'], revision: 2 }],
  ])('moved in a deploy that fails, while CloudFormation shows %s', (_shown, rollbackCleanupTemplate, expected) => {
    afterEach(() => {
      emulator.settings.rollbackCleanupTemplate = 'attempted';
    });

    test(rollbackCleanupTemplate === 'previous'
      ? 'the rollback\'s Delete of the new resource writes back what the old one declares'
      : 'the rollback\'s Delete of the new resource cannot learn what the old one declares: it leaves them, and logs why', async () => {
      emulator.settings.rollbackCleanupTemplate = rollbackCleanupTemplate;
      const stack = stackIn(newAccount());
      await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));
      const callsBefore = emulator.calls.length;

      // The new resource writes its declaration; then an output it cannot resolve fails the deploy.
      const failed = await stack.deploy((s) => {
        const moved = new ConnectionPreferences(new Construct(s, 'Partner'), 'Prefs', {
          accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1'], removalPolicy: RemovalPolicy.DESTROY,
        });
        new CfnOutput(s, 'Missing', { value: (moved.node.findChild('Resource').node.defaultChild as CfnResource).getAtt('NoSuchAttribute').toString() });
      });

      expect(failed).toMatchObject({ status: 'UPDATE_ROLLBACK_COMPLETE', failure: { logicalId: 'Missing' }, laterFailures: [] });
      expect(stack.exchanges().slice(1).map((e) => [e.phase, e.requestType, e.logicalId.replace(/[0-9A-F]{8}$/, ''), e.status])).toEqual([
        ['update', 'Create', 'PartnerPrefs', 'SUCCESS'],
        ['rollback', 'Delete', 'PartnerPrefs', 'SUCCESS'],
      ]);
      expect(stack.live()).toEqual(expected);
      const cloudFormationCalls = emulator.calls.slice(callsBefore).filter((c) => c.service === 'cloudformation').map((c) => c.operation);
      expect(cloudFormationCalls).toEqual(['ListStackResources', 'DescribeStacks', 'GetTemplate']);
      const decisions = [...emulator.lambda.logs].filter(([group]) => group.includes(stack.stackName)).flatMap(([, parts]) => parts.join('').split('\n'))
        .filter((line) => line.includes('"message":"decision"')).map((line) => JSON.parse(line.slice(line.indexOf('{'))));
      expect(decisions.at(-2)).toMatchObject(rollbackCleanupTemplate === 'previous'
        ? { outcome: 'restore', why: expect.stringMatching(/^the rollback deletes what the failed deploy created; Prefs\w+ manages these preferences again$/) }
        : { outcome: 'nothing to restore', why: expect.stringMatching(/^CloudFormation still shows the failed deploy's template/), stackStatus: 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' });
    });
  });

  test('a DESTROY resource removed with no successor still resets', async () => {
    const stack = stackIn(newAccount());
    await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }));
    await stack.deploy((s) => new CfnWaitConditionHandle(s, 'Other'));
    expect(stack.live()).toEqual({ accessType: 'ALLOW_ALL', excluded: [], revision: 2 });
  });
});

describe('CloudFormation\'s 4,096-byte response limit, through the chain', () => {
  test('100 excluded identifiers of 100 characters: the list is left out of the response, the count and digest fit', async () => {
    const stack = stackIn(newAccount());
    const excluded = ids(100, 100);
    const result = await stack.deploy(declare('Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: excluded }),
      (s) => new CfnOutput(s, 'Count', { value: Fn.getAtt(logicalIdOf(s, 'Prefs'), 'ExcludedParticipantCount').toString() }));

    expect(result).toMatchObject({ status: 'CREATE_COMPLETE' });
    expect(stack.live().excluded).toEqual(excluded);
    const [create] = stack.exchanges();
    expect(create.responseBytes).toBeLessThanOrEqual(4096);
    const data = emulator.cloudFormation.stack(stack.account, REGION, stack.stackName)!.Resources[create.logicalId].Attributes;
    expect(data).toMatchObject({ ExcludedParticipantCount: '100', ExcludedParticipantIdsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(data).not.toHaveProperty('ExcludedParticipantIds');
  });

  test('a GetAtt of the list left out fails the deploy with CloudFormation\'s message, and the stack rolls back', async () => {
    const stack = stackIn(newAccount());
    const result = await stack.deploy(declare('Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ids(100, 100) }),
      (s) => new CfnOutput(s, 'Excluded', { value: Fn.getAtt(logicalIdOf(s, 'Prefs'), 'ExcludedParticipantIds').toString() }));
    expect(result).toMatchObject({ status: 'ROLLBACK_COMPLETE', failure: { logicalId: 'Excluded', reason: expect.stringContaining('Vendor response doesn\'t contain ExcludedParticipantIds key') } });
  });

  test.each([
    ['invalid properties at deploy (a hand-edited template with 150 malformed identifiers of 200 characters)', /^Invalid properties, nothing was changed: /, (s: Stack) => {
      const prefs = new ConnectionPreferences(s, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['p-1'] });
      (prefs.node.findChild('Resource').node.defaultChild as CfnResource).addPropertyOverride('ExcludedParticipantIdentifiers', ids(150, 200, 'p "1" '));
    }],
    ['invalid properties at deploy (malformed identifiers from a parameter)', /^Invalid properties, nothing was changed: /, (s: Stack) => {
      const malformed = new CfnParameter(s, 'Excluded', { type: 'CommaDelimitedList', default: ids(100, 39, 'p ').join(',') });
      new ConnectionPreferences(s, 'Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: malformed.valueAsList });
    }],
    ['access denied to the longest role ARN', /^Partner Central denied GetConnectionPreferences/, (s: Stack) => {
      emulator.inject({ kind: 'access-denied', count: 1 });
      new ConnectionPreferences(s, 'Prefs', { accessType: AccessType.DENY_ALL, assumeRoleArn: `arn:aws:iam::210987654321:role/${'r'.repeat(480)}` });
    }],
    ['a role that refuses the longest external id', /^Could not assume arn:aws:iam::210987654322:role\//, (s: Stack) => {
      const roleArn = `arn:aws:iam::210987654322:role/${'q'.repeat(480)}`;
      emulator.settings.roleExternalIds[roleArn] = 'the-right-one';
      new ConnectionPreferences(s, 'Prefs', { accessType: AccessType.DENY_ALL, assumeRoleArn: roleArn, externalId: 'e'.repeat(1224) });
    }],
  ])('the longest failure: %s', async (_, cause, build) => {
    const stack = stackIn(newAccount());
    const result = await stack.deploy(build);
    const [create] = stack.exchanges();

    expect(result.failure?.reason).toMatch(cause);
    expect(create.responseBytes).toBeLessThanOrEqual(4096);
  });

  test('the longest failure: DriftPolicy.FAIL naming 100 identifiers added and 100 removed', async () => {
    const stack = stackIn(newAccount());
    const declared = ids(100, 100, 'a');
    await stack.deploy(declare('Prefs', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: declared, driftPolicy: DriftPolicy.FAIL }));
    emulator.writeOutside(stack.account, 'AWS', { AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIds: ids(100, 100, 'b') });

    const result = await stack.deploy(declare('Prefs', { accessType: AccessType.DENY_ALL, driftPolicy: DriftPolicy.FAIL }));

    expect(result.failure?.reason).toMatch(/^The AWS connection preferences were changed outside this stack/);
    expect(stack.exchanges()[1].responseBytes).toBeLessThanOrEqual(4096);
  });
});

/** The invocations of the stack's handler (not the framework's function), named as CloudFormation names functions. */
function handlerInvocations(stackName: string) {
  return emulator.lambda.invocations.filter((i) => i.functionName.startsWith(`${stackName}-`) && i.handler === 'index.handler');
}

function logicalIdOf(stack: Stack, id: string): string {
  return stack.getLogicalId((stack.node.findChild(id).node.findChild('Resource').node.defaultChild) as any);
}

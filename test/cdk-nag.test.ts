import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesMonitor, MonitorMode } from '../lib';

/**
 * A stack with every kind of ConnectionPreferences: own account, DESTROY with its own policy, a cross-account role;
 * and the monitor with all its resources: reconciling (it may update), checking on change, its alarms.
 */
function appWithEveryVariant() {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Partner');
  new ConnectionPreferences(stack, 'Own', { accessType: AccessType.DENY_ALL });
  new ConnectionPreferences(stack, 'Destroyed', { accessType: AccessType.DENY_ALL, catalog: Catalog.SANDBOX, removalPolicy: RemovalPolicy.DESTROY });
  new ConnectionPreferences(stack, 'CrossAccount', {
    accessType: AccessType.DENY_ALL, assumeRoleArn: 'arn:aws:iam::444455556666:role/pc', externalId: 'ext-1', removalPolicy: RemovalPolicy.DESTROY,
  });
  new ConnectionPreferencesMonitor(stack, 'Monitor', { mode: MonitorMode.RECONCILE, detectOnChange: true });
  return { app, stack };
}

test('AwsSolutions finds nothing unacknowledged in a stack with every variant of the construct', () => {
  const { app } = appWithEveryVariant();
  expect(() => app.synth()).not.toThrow();
});

test('the construct acknowledges only its own resources: the same finding elsewhere still fails the synth', () => {
  const { app, stack } = appWithEveryVariant();
  const unrelated = new iam.Role(stack, 'Unrelated', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  unrelated.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));

  let report = '';
  try {
    app.synth();
  } catch (e) {
    report = (e as Error).message;
  }
  expect(report).toMatch(/Partner\/Unrelated\/DefaultPolicy\/Resource[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  expect(report).not.toMatch(/PartnerCentralConnectionPreferencesProvider|DeletePermissions|Partner\/Monitor/);
});

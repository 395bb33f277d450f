import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessType, Catalog, ConnectionPreferences, ConnectionPreferencesProps } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';

/**
 * CloudFormation's ServiceTimeout bounds the wait for an answer that never comes (its default is an hour). It is the
 * handler function's timeout plus 90 s for the Provider framework (docs/decisions/0001-service-timeout.md), as literal
 * numbers here so that a change of either shows.
 */
function timeoutsOf(...declared: Partial<ConnectionPreferencesProps>[]) {
  const stack = new Stack(new App(), 'Partner');
  const catalogs = [Catalog.AWS, Catalog.SANDBOX];
  declared.forEach((props, i) => new ConnectionPreferences(stack, `Prefs${i}`, { accessType: AccessType.ALLOW_ALL, catalog: catalogs[i], ...props }));
  const template = Template.fromStack(stack);
  const [handler] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
  return {
    functionTimeout: handler.Properties.Timeout,
    serviceTimeouts: Object.values(template.findResources(RESOURCE_TYPE)).map((r) => r.Properties.ServiceTimeout),
  };
}

test('by default: the function\'s 2 minutes and 90 s', () => {
  expect(timeoutsOf({})).toEqual({ functionTimeout: 120, serviceTimeouts: [210] });
});

test('a declared timeout', () => {
  expect(timeoutsOf({ timeout: Duration.minutes(5) })).toEqual({ functionTimeout: 300, serviceTimeouts: [390] });
});

test('two resources with different timeouts both wait for the one function\'s longest, whatever the order declared', () => {
  // The handler's deadline comes from the function's timeout, not from the resource's own: a 45 s resource may run 5 min.
  expect(timeoutsOf({ timeout: Duration.seconds(45) }, { timeout: Duration.minutes(5) })).toEqual({ functionTimeout: 300, serviceTimeouts: [390, 390] });
});

test.each([
  ['the shortest timeout, 30 s', Duration.seconds(30), 30, 120],
  ['the longest timeout, 14 min', Duration.minutes(14), 840, 930],
])('stays within CloudFormation\'s 1-3600 s with %s', (_, timeout, functionTimeout, serviceTimeout) => {
  const { functionTimeout: actualFunctionTimeout, serviceTimeouts: [actual] } = timeoutsOf({ timeout });
  expect([actualFunctionTimeout, actual]).toEqual([functionTimeout, serviceTimeout]);
  // aws-cdk-lib checks the range only for a literal Duration; this one is a Lazy, so the construct must keep it in range.
  expect(actual).toBeGreaterThanOrEqual(1);
  expect(actual).toBeLessThanOrEqual(3600);
});

/**
 * What a ConnectionPreferencesMonitor makes at synth of the ConnectionPreferences its stack declares: the
 * permissions its function needs to check them, and whether it could read them at all. Both run at synth, when
 * the stack is complete, because resources may be declared after the monitor.
 */
import { Aws, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { assumeRoleStatement, partnerCentralStatement } from './connection-preferences-provider';
import { declaredIn } from './declared-resources';
import { resolveTemplateValue, stackValuesOf, UnresolvableValueError } from './template-values';

/**
 * The statements of the monitor function's policy: Partner Central for the catalogs the stack manages in its own
 * account, AssumeRole for exactly the roles it declares (each omitted when there is none), its drift events to the
 * default bus, and reading its own stack's template. Metrics need no permission: the function writes them as
 * Embedded Metric Format log lines.
 */
export function monitorStatements(stack: Stack, partnerCentralActions: string[]): iam.PolicyStatement[] {
  const declared = declaredIn(stack).map((resource) => resource.properties);
  const catalogs = sortedUnique(declared.filter((p) => p.AssumeRoleArn === undefined).map((p) => p.Catalog));
  const roleArns = sortedUnique(declared.flatMap((p) => p.AssumeRoleArn === undefined ? [] : [p.AssumeRoleArn]));
  return [
    ...catalogs.length > 0 ? [partnerCentralStatement(partnerCentralActions, catalogs)] : [],
    ...roleArns.length > 0 ? [assumeRoleStatement(roleArns)] : [],
    new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    }),
    // The function reads its stack's template (what is declared) and parameters (to resolve it): that stack only.
    new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'], resources: [Aws.STACK_ID] }),
  ];
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** A stack ARN for stand-in pseudo parameters: at synth, only whether a value resolves matters, not what to. */
const STAND_IN_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/stand-in/00000000-0000-0000-0000-000000000000';

/**
 * The monitor resolves each property from the deployed template with what the stack tells about itself (see
 * template-values.ts). A property it cannot resolve would fail every check after the deploy: say so at synth,
 * naming the resource and the property, by resolving the synthesized properties the same way with stand-in values.
 */
export function unreadableProperties(stack: Stack): string[] {
  const parameters = stack.node.findAll()
    .filter((c): c is CfnParameter => c instanceof CfnParameter && Stack.of(c) === stack);
  const ids = parameters.map((p) => String(stack.resolve(p.logicalId)));
  const standIns = stackValuesOf(
    STAND_IN_STACK_ID,
    Object.fromEntries(ids.map((id) => [id, 'stand-in'])),
    Object.fromEntries(parameters.map((p, i) => [ids[i], p.type])),
  );
  const problems: string[] = [];
  for (const { construct, properties } of declaredIn(stack)) {
    for (const [property, value] of Object.entries(stack.resolve(properties) as Record<string, unknown>)) {
      try {
        resolveTemplateValue(value, standIns);
      } catch (e) {
        if (!(e instanceof UnresolvableValueError)) throw e;
        problems.push(`The monitor cannot read the ${property} of the ConnectionPreferences at ${construct.node.path}: ${e.message}. `
          + `Declare ${property} from literals, pseudo parameters (Aws.*) or the stack's parameters, or do not monitor this stack.`);
      }
    }
  }
  return problems;
}

/**
 * The monitor reads what its stack declares from the deployed template (GetTemplate), where a property built from a
 * token is still an intrinsic function. It resolves the ones whose values the stack itself can tell (pseudo
 * parameters, the stack's parameters, and the string functions over them) and nothing else: a value from another
 * resource (Fn::GetAtt, a Ref to a resource, Fn::ImportValue) has no API that returns it. The construct runs the same
 * resolver at synth, with stand-in values, so that a property the monitor could not read fails the synth, not every
 * check.
 *
 * The emulator's CloudFormation has a resolver of its own (emulator/cloudformation-template.ts), which looks much the
 * same. They stay apart on purpose: that one stands in for CloudFormation in the tests of this one, and a shared bug
 * would agree with itself.
 */

/** What a stack can tell about itself: its pseudo parameters and its parameters' values. */
export interface StackValues {
  /** AWS::AccountId, AWS::Region, AWS::Partition, AWS::URLSuffix, AWS::StackName, AWS::StackId. */
  readonly pseudo: Record<string, string>;
  /** By name; a list parameter's value is comma-separated, as DescribeStacks returns it. */
  readonly parameters: Record<string, string>;
  /** By name, from the template's Parameters section: a list type makes Ref return a list. */
  readonly parameterTypes: Record<string, string>;
}

export const RESOLVED_FUNCTIONS = ['Ref (to a pseudo parameter or a stack parameter)', 'Fn::Join', 'Fn::Sub', 'Fn::Select', 'Fn::Split'];

export class UnresolvableValueError extends Error {
  readonly name = 'UnresolvableValueError';
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The stack's values, from its ARN (arn:partition:cloudformation:region:account:stack/name/id) and parameters. */
export function stackValuesOf(stackId: string, parameters: Record<string, string>, parameterTypes: Record<string, string>): StackValues {
  const [, partition = 'aws', , region = '', account = '', resource = ''] = stackId.split(':');
  return {
    pseudo: {
      'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': partition, 'AWS::StackId': stackId,
      'AWS::StackName': resource.split('/')[1] ?? '', 'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    },
    parameters,
    parameterTypes,
  };
}

/** The value with every intrinsic function resolved; throws an UnresolvableValueError naming the first it cannot. */
export function resolveTemplateValue(value: unknown, stack: StackValues): unknown {
  const resolved = resolveOne(value, stack);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveOne(value: unknown, stack: StackValues): any {
  if (Array.isArray(value)) return value.map((v) => resolveOne(v, stack)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length === 1 && (name === 'Ref' || name.startsWith('Fn::'))) return intrinsic(name, argument, stack);
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveOne(v, stack)]).filter(([, v]) => v !== NO_VALUE));
}

function intrinsic(name: string, argument: any, stack: StackValues): any {
  const r = (v: unknown) => resolveOne(v, stack);
  switch (name) {
    case 'Ref': return ref(String(argument), stack);
    case 'Fn::Join': return (r(argument[1]) as unknown[]).join(argument[0]);
    case 'Fn::Select': return r(argument[1])[Number(r(argument[0]))];
    case 'Fn::Split': return String(r(argument[1])).split(argument[0]);
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? [argument[0], r(argument[1])] : [argument, {}];
      return String(text).replace(/\$\{([^}!]+)\}/g, (_, expression: string) => {
        if (expression in variables) return variables[expression];
        if (expression.includes('.')) throw unresolvable(`Fn::Sub of \${${expression}} (an attribute of another resource)`);
        return ref(expression, stack);
      });
    }
    default: throw unresolvable(name);
  }
}

function ref(name: string, stack: StackValues): any {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name in stack.pseudo) return stack.pseudo[name];
  if (name in stack.parameters) {
    const type = stack.parameterTypes[name] ?? 'String';
    return type === 'CommaDelimitedList' || type.startsWith('List<') ? stack.parameters[name].split(',') : stack.parameters[name];
  }
  throw unresolvable(`Ref to ${name} (another resource)`);
}

function unresolvable(what: string): UnresolvableValueError {
  return new UnresolvableValueError(`it uses ${what}, which only CloudFormation can resolve; the monitor resolves ${RESOLVED_FUNCTIONS.join(', ')}`);
}

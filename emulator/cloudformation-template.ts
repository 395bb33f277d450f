/**
 * What CloudFormation does with a template before it calls anything: the order of resources (DependsOn, Ref, GetAtt,
 * Sub), conditions, and the intrinsic functions a CDK app's templates use, resolved against the stack's resources.
 * Anything else fails with a message that names it, rather than being passed through unresolved.
 */

export interface Template {
  Resources?: Record<string, { Type: string; Properties?: any; DependsOn?: string | string[]; Condition?: string; Metadata?: any }>;
  Parameters?: Record<string, { Type: string; Default?: string }>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

export interface StackContext {
  readonly account: string;
  readonly region: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly template: Template;
  /** A resource's physical id (Ref), or undefined when it does not exist yet. */
  readonly physicalIdOf: (logicalId: string) => string | undefined;
  /** A resource's attribute (GetAtt); throws CloudFormation's error when the resource does not return it. */
  readonly attributeOf: (logicalId: string, attribute: string) => string;
}

const NO_VALUE = Symbol('AWS::NoValue');
const MAX_PARAMETER_VALUE_BYTES = 4096;

/** Resolves every intrinsic function in a value. */
export function resolve(value: unknown, context: StackContext): any {
  const resolved = resolveValue(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveValue(value: unknown, context: StackContext): any {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, context)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [name, argument] = entries[0] ?? [];
  if (entries.length === 1 && (name === 'Ref' || name.startsWith('Fn::') || name === 'Condition')) return intrinsic(name, argument, context);
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, context)]).filter(([, v]) => v !== NO_VALUE));
}

function intrinsic(name: string, argument: any, context: StackContext): any {
  const r = (v: unknown) => resolveValue(v, context);
  switch (name) {
    case 'Ref': return ref(String(argument), context);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.+)/);
      return context.attributeOf(logicalId, r(attribute));
    }
    case 'Fn::Join': return (r(argument[1]) as unknown[]).join(argument[0]);
    case 'Fn::Select': return r(argument[1])[Number(r(argument[0]))];
    case 'Fn::Split': return String(r(argument[1])).split(argument[0]);
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? [argument[0], r(argument[1])] : [argument, {}];
      return String(text).replace(/\$\{([^}!]+)\}/g, (_, expression: string) => {
        if (expression in variables) return variables[expression];
        const [logicalId, attribute] = expression.split(/\.(.+)/);
        return attribute ? context.attributeOf(logicalId, attribute) : ref(logicalId, context);
      });
    }
    case 'Fn::If': return r(isTrue(argument[0], context) ? argument[1] : argument[2]);
    case 'Fn::Equals': return r(argument[0]) === r(argument[1]);
    case 'Fn::Not': return !r(argument[0]);
    case 'Fn::And': return (argument as unknown[]).every((c) => r(c));
    case 'Fn::Or': return (argument as unknown[]).some((c) => r(c));
    case 'Condition': return isTrue(argument, context);
    case 'Fn::Base64': return Buffer.from(String(r(argument))).toString('base64');
    default: throw new Error(`${name} is not supported by the local CloudFormation`);
  }
}

function ref(name: string, context: StackContext): any {
  const pseudo: Record<string, unknown> = {
    'AWS::AccountId': context.account, 'AWS::Region': context.region, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': context.stackName, 'AWS::StackId': context.stackId, 'AWS::NoValue': NO_VALUE,
  };
  if (name in pseudo) return pseudo[name];
  const parameter = context.template.Parameters?.[name];
  if (parameter) {
    if (parameter.Default === undefined || parameter.Type.startsWith('AWS::SSM::')) {
      throw new Error(`parameter ${name} has no value the local CloudFormation can use (a default, not an SSM parameter)`);
    }
    if (Buffer.byteLength(parameter.Default) > MAX_PARAMETER_VALUE_BYTES) throw new Error(`parameter ${name}: a value may be at most 4,096 bytes`);
    return parameter.Type === 'CommaDelimitedList' || parameter.Type.startsWith('List<') ? parameter.Default.split(',') : parameter.Default;
  }
  const physicalId = context.physicalIdOf(name);
  if (physicalId === undefined) throw new Error(`Ref ${name}: no such resource in the stack, or it was not created`);
  return physicalId;
}

/** Whether a template condition holds. */
export function isTrue(condition: string, context: StackContext): boolean {
  const definition = context.template.Conditions?.[condition];
  if (definition === undefined) throw new Error(`condition ${condition} is not defined in the template`);
  return Boolean(resolveValue(definition, context));
}

/** The logical ids a resource needs to exist first: DependsOn, and every Ref, GetAtt and ${} in its properties. */
export function dependenciesOf(template: Template, logicalId: string): string[] {
  const resource = template.Resources![logicalId];
  const found = new Set<string>([resource.DependsOn ?? []].flat());
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') found.add(v);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
      else if (key === 'Fn::Sub') [v].flat().slice(0, 1).forEach((text) => String(text).replace(/\$\{([^}.!]+)/g, (_, id: string) => (found.add(id), '')));
      visit(v);
    }
  };
  visit(resource.Properties);
  return [...found].filter((id) => id in template.Resources! && id !== logicalId);
}

/** The template's resources in an order that creates every dependency first. */
export function creationOrder(template: Template): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (logicalId: string) => {
    if (order.includes(logicalId)) return;
    if (visiting.has(logicalId)) throw new Error(`Circular dependency between resources: ${[...visiting].join(', ')}`);
    visiting.add(logicalId);
    dependenciesOf(template, logicalId).forEach(visit);
    visiting.delete(logicalId);
    order.push(logicalId);
  };
  Object.keys(template.Resources ?? {}).forEach(visit);
  return order;
}

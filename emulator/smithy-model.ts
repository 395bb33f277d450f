/**
 * The Partner Central Account service model (Smithy 2.0 JSON AST), copied verbatim from the AWS API models
 * (sha256 972f4e43…d381da, see emulator/model/README.md). The emulator validates requests against these shapes
 * instead of hand-written rules, so it rejects exactly what the model says the service rejects. Imported, not
 * read from disk, so that bundles that embed the emulator carry it.
 */
import MODEL from './model/partnercentral-account-2025-04-04.json';

type Traits = Record<string, any>;
interface MemberShape { target: string; traits?: Traits }
interface Shape {
  type: string;
  members?: Record<string, MemberShape>;
  member?: MemberShape;
  input?: { target: string };
  errors?: { target: string }[];
  traits?: Traits;
}

/** The service's own field-error codes (FieldValidationCode in the model). */
export type FieldValidationCode =
  | 'REQUIRED_FIELD_MISSING' | 'DUPLICATE_VALUE' | 'INVALID_VALUE' | 'INVALID_STRING_FORMAT'
  | 'TOO_MANY_VALUES' | 'ACTION_NOT_PERMITTED' | 'INVALID_ENUM_VALUE';

export interface FieldValidationError { Name: string; Message: string; Code: FieldValidationCode }

const PRELUDE_TYPES: Record<string, string> = {
  'smithy.api#String': 'string', 'smithy.api#Long': 'long', 'smithy.api#Integer': 'integer',
  'smithy.api#Boolean': 'boolean', 'smithy.api#Timestamp': 'timestamp', 'smithy.api#Unit': 'structure',
};

export class SmithyModel {
  static load(): SmithyModel {
    return new SmithyModel(MODEL.shapes as unknown as Record<string, Shape>);
  }

  /** The service shape's name, which is the prefix of every awsJson1_0 `X-Amz-Target`. */
  readonly serviceName: string;
  readonly namespace: string;

  private constructor(private readonly shapes: Record<string, Shape>) {
    const serviceId = Object.keys(shapes).find((id) => shapes[id].type === 'service');
    if (!serviceId) throw new Error('the model has no service shape');
    [this.namespace, this.serviceName] = serviceId.split('#');
  }

  /** The operation's input shape id, or undefined when the model has no such operation. */
  inputShape(operation: string): string | undefined {
    const shape = this.shapes[this.id(operation)];
    return shape?.type === 'operation' ? shape.input?.target : undefined;
  }

  /** Whether the model lists this error for this operation. */
  operationHasError(operation: string, errorName: string): boolean {
    return (this.shapes[this.id(operation)]?.errors ?? []).some((e) => e.target === this.id(errorName));
  }

  /** The HTTP status the model gives an error shape (`@httpError`). */
  httpStatus(errorName: string): number {
    const status = this.shapes[this.id(errorName)]?.traits?.['smithy.api#httpError'];
    if (typeof status !== 'number') throw new Error(`${errorName} is not an error shape of the model`);
    return status;
  }

  /** The fully qualified error type that awsJson1_0 puts in `__type`. */
  errorType(errorName: string): string {
    this.httpStatus(errorName);
    return this.id(errorName);
  }

  /** Every way `value` breaks the constraints of `shapeId`, named by field path as the service names them. */
  validate(shapeId: string, value: unknown, name = ''): FieldValidationError[] {
    return this.check(shapeId, {}, value, name);
  }

  private id(name: string): string {
    return `${this.namespace}#${name}`;
  }

  private check(shapeId: string, memberTraits: Traits, value: unknown, name: string): FieldValidationError[] {
    const shape: Shape = this.shapes[shapeId] ?? { type: PRELUDE_TYPES[shapeId] ?? 'document' };
    const traits = { ...shape.traits, ...memberTraits };
    const fail = (Code: FieldValidationCode, Message: string) => [{ Name: name, Message, Code }];

    switch (shape.type) {
      case 'structure': {
        if (!isObject(value)) return fail('INVALID_VALUE', `${name || 'The request'} must be an object`);
        return Object.entries(shape.members ?? {}).flatMap(([memberName, member]) => {
          const memberValue = value[memberName];
          const memberPath = name ? `${name}.${memberName}` : memberName;
          if (memberValue === undefined || memberValue === null) {
            return member.traits?.['smithy.api#required']
              ? [{ Name: memberPath, Message: `${memberPath} is required`, Code: 'REQUIRED_FIELD_MISSING' as const }]
              : [];
          }
          return this.check(member.target, member.traits ?? {}, memberValue, memberPath);
        });
      }
      case 'enum': {
        const allowed = Object.values(shape.members ?? {}).map((m) => m.traits?.['smithy.api#enumValue']);
        return typeof value === 'string' && allowed.includes(value)
          ? []
          : fail('INVALID_ENUM_VALUE', `${name} must be one of ${allowed.join(', ')}`);
      }
      case 'string': {
        if (typeof value !== 'string') return fail('INVALID_VALUE', `${name} must be a string`);
        const length = traits['smithy.api#length'];
        if (length && (value.length < (length.min ?? 0) || value.length > (length.max ?? Infinity))) {
          return fail('INVALID_STRING_FORMAT', `${name} must be ${length.min ?? 0} to ${length.max ?? 'any'} characters long`);
        }
        const pattern = traits['smithy.api#pattern'];
        if (pattern && !new RegExp(pattern).test(value)) {
          return fail('INVALID_STRING_FORMAT', `${name} must match ${pattern}`);
        }
        return [];
      }
      case 'long':
      case 'integer':
        return Number.isSafeInteger(value) ? [] : fail('INVALID_VALUE', `${name} must be an integer`);
      case 'boolean':
        return typeof value === 'boolean' ? [] : fail('INVALID_VALUE', `${name} must be a boolean`);
      case 'list': {
        if (!Array.isArray(value)) return fail('INVALID_VALUE', `${name} must be a list`);
        const length = traits['smithy.api#length'];
        if (length?.max !== undefined && value.length > length.max) {
          return fail('TOO_MANY_VALUES', `${name} must have at most ${length.max} items`);
        }
        if (length?.min !== undefined && value.length < length.min) {
          return fail('INVALID_VALUE', `${name} must have at least ${length.min} items`);
        }
        const itemErrors = value.flatMap((item, i) => this.check(shape.member!.target, shape.member!.traits ?? {}, item, `${name}[${i}]`));
        if (itemErrors.length > 0) return itemErrors;
        const duplicates = value.filter((item, i) => value.findIndex((other) => JSON.stringify(other) === JSON.stringify(item)) !== i);
        return traits['smithy.api#uniqueItems'] && duplicates.length > 0
          ? fail('DUPLICATE_VALUE', `${name} must not repeat items: ${[...new Set(duplicates)].join(', ')}`)
          : [];
      }
      default:
        return [];
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

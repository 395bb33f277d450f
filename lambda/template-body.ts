import { defineMappingTag, defineScalarTag, defineSequenceTag, FAILSAFE_SCHEMA, load } from 'js-yaml';

/**
 * A CloudFormation template as GetTemplate returns it: as it was submitted, JSON or YAML. The CDK CLI sends a
 * template under 50 KB inline as YAML when its stack has no template asset, and other tools deploy YAML with the
 * short forms of the intrinsic functions (`!Ref`, `!GetAtt a.b`, `!Sub`, ...), which this reads as their long forms.
 * Throws with what is wrong and where in the text.
 */
export function parseTemplateBody(body: string): unknown {
  // JSON is YAML too, but read as JSON it keeps its numbers and its own error messages.
  if (/^\s*[{[]/.test(body)) {
    try {
      return JSON.parse(body);
    } catch {
      // A flow mapping in YAML also starts with '{': let the YAML reader have it.
    }
  }
  return load(body, { schema: TEMPLATE_SCHEMA });
}

/** `!Ref` and `!Condition` keep their names; every other short form `!Name` is `Fn::Name`. */
const longName = (tagName: string) => (tagName === '!Ref' || tagName === '!Condition' ? tagName.slice(1) : `Fn::${tagName.slice(1)}`);

/** `!GetAtt Resource.Attribute` is the one short form whose scalar is split: at the first dot. */
function scalarFunction(source: string, tagName: string): Record<string, unknown> {
  if (tagName !== '!GetAtt') return { [longName(tagName)]: source };
  const dot = source.indexOf('.');
  return { 'Fn::GetAtt': dot < 0 ? [source] : [source.slice(0, dot), source.slice(dot + 1)] };
}

/** The schema tags only ever read here, never written. */
const notDumped = () => false;

/**
 * YAML's failsafe schema, in which every plain scalar is a string, as CloudFormation passes every scalar of a custom
 * resource's properties (`111122223333`, `true`, `012` stay as written), with the short forms matched by their
 * `!` prefix, so that every intrinsic function reads, the ones added after this was written included.
 */
const TEMPLATE_SCHEMA = FAILSAFE_SCHEMA.withTags(
  defineScalarTag('!', { matchByTagPrefix: true, resolve: (source, _explicit, tagName) => scalarFunction(source, tagName), identify: notDumped }),
  defineSequenceTag<{ tagName: string; items: unknown[] }, Record<string, unknown[]>>('!', {
    matchByTagPrefix: true,
    create: (tagName) => ({ tagName, items: [] }),
    addItem: (carrier, item) => {
      carrier.items.push(item);
    },
    finalize: ({ tagName, items }) => ({ [longName(tagName)]: items }),
    identify: notDumped,
  }),
  defineMappingTag<{ tagName: string; pairs: Map<string, unknown> }, Record<string, Record<string, unknown>>>('!', {
    matchByTagPrefix: true,
    create: (tagName) => ({ tagName, pairs: new Map() }),
    addPair: (carrier, key, value) => {
      carrier.pairs.set(String(key), value);
      return '';
    },
    has: (carrier, key) => carrier.pairs.has(String(key)),
    keys: (result) => Object.keys(Object.values(result)[0]),
    get: (result, key) => Object.values(result)[0][String(key)],
    finalize: ({ tagName, pairs }) => ({ [longName(tagName)]: Object.fromEntries(pairs) }),
    identify: notDumped,
  }),
);

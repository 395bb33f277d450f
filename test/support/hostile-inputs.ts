import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as fc from 'fast-check';
import { InputError } from '../../bin/cli/input-error';
import { planAssembly } from '../../bin/cli/plan';
import { RESOURCE_TYPE } from '../../lib/resource-properties';

/**
 * Hostile input, for the tests of hostile properties and templates and for the soak (test/support/lifecycle): what a
 * hand-edited template, a resolved token or another tool can put where the handler and plan read.
 */

const FIELDS = ['Catalog', 'AccessType', 'ExcludedParticipantIdentifiers', 'RemovalPolicy', 'DriftPolicy', 'AssumeRoleArn', 'ExternalId'];
/** Values a template can hold where a property is expected, the valid ones among them. */
const hostileValue = fc.oneof(
  fc.constantFrom('AWS', 'Sandbox', 'ALLOW_ALL', 'DENY_ALL', 'ALLOW_BY_DEFAULT_DENY_SOME', 'retain', 'destroy', 'overwrite', 'fail'),
  fc.string(), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ minLength: 5_000, maxLength: 20_000 }),
  fc.array(fc.string({ maxLength: 120 }), { maxLength: 120 }),
  fc.constant(Array.from({ length: 10_000 }, (_, i) => `p-${i}`)),
  fc.array(fc.oneof(fc.integer(), fc.object(), fc.constant(null)), { maxLength: 5 }),
  fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 3 }),
  fc.constant({ __proto__: { polluted: true } }), fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}')),
);
/** The construct's properties, some replaced by hostile values, some left out, with strange keys added. */
export const hostileProperties = fc.record({
  replaced: fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 4 }),
  removed: fc.subarray(FIELDS),
  extra: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'ServiceTimeout'), hostileValue, { maxKeys: 2 }),
}).map(({ replaced, removed, extra }) => {
  const properties: Record<string, unknown> = JSON.parse(JSON.stringify({
    Catalog: 'AWS', AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', ExcludedParticipantIdentifiers: ['p-1'], RemovalPolicy: 'retain', DriftPolicy: 'overwrite',
  }));
  for (const field of removed) delete properties[field];
  // As a template's JSON reaches the handler: own keys, __proto__ included, never a prototype change.
  const [base, added] = [JSON.stringify({ ...properties, ...replaced }), JSON.stringify(extra)];
  return JSON.parse(base === '{}' ? added : added === '{}' ? base : `${base.slice(0, -1)},${added.slice(1)}`);
});

/** The rules as the service model and the README state them, written out apart from the handler's own checks. */
export function acceptable(p: Record<string, any>): boolean {
  const ids = p.ExcludedParticipantIdentifiers;
  const idsValid = ids === undefined || (Array.isArray(ids) && ids.length <= 100 && new Set(ids).size === ids.length
    && ids.every((id) => typeof id === 'string' && /^[a-zA-Z0-9-]{1,100}$/.test(id)));
  return ['AWS', 'Sandbox'].includes(p.Catalog)
    && ['ALLOW_ALL', 'DENY_ALL', 'ALLOW_BY_DEFAULT_DENY_SOME'].includes(p.AccessType)
    && [undefined, 'retain', 'destroy'].includes(p.RemovalPolicy)
    && [undefined, 'overwrite', 'fail'].includes(p.DriftPolicy)
    && p.AssumeRoleArn === undefined && p.ExternalId === undefined
    && idsValid && (p.AccessType === 'ALLOW_BY_DEFAULT_DENY_SOME' || (ids ?? []).length === 0);
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** What a broken or hand-edited template can hold where plan reads: whole templates, resources and properties. */
export const hostileTemplate = fc.oneof(
  fc.string().map((text) => text),
  anyJson.map((value) => JSON.stringify(value)),
  fc.record({ Resources: fc.dictionary(fc.string({ maxLength: 20 }), anyJson, { maxKeys: 3 }) }).map((t) => JSON.stringify(t)),
  fc.record({
    properties: fc.oneof(anyJson, fc.dictionary(fc.constantFrom('Catalog', 'AccessType', 'ExcludedParticipantIdentifiers', 'AssumeRoleArn', 'RemovalPolicy', '__proto__', 'constructor'),
      fc.oneof(anyJson, fc.constant({ Ref: 'Param' }), fc.constant({ 'Fn::ImportValue': 'x' }), fc.constant({ 'Fn::GetAtt': ['A', 'Arn'] })), { maxKeys: 5 })),
    metadata: fc.option(anyJson),
  }).map(({ properties, metadata }) => JSON.stringify({
    Resources: { Prefs: { Type: RESOURCE_TYPE, Properties: properties, ...(metadata !== null && { Metadata: metadata }) } },
  })),
);

/**
 * Plans a copy of `assembly` whose `templateFile` holds `body`: the answer must be a plan (each resource's error on
 * one line) or a one-line InputError naming the copy, within 20 s. Throws what it found wrong. The copy is removed.
 */
export async function planHostileTemplate(assembly: string, templateFile: string, body: string, emulatorEndpoint: string): Promise<'plan' | 'input-error'> {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'hostile-assembly-'));
  let timer: NodeJS.Timeout | undefined;
  try {
    cpSync(assembly, copy, { recursive: true });
    writeFileSync(path.join(copy, templateFile), body);
    const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('plan did not answer within 20 s')), 20_000); });
    const report = await Promise.race([planAssembly(copy, { emulatorEndpoint, timeoutMs: 15_000 }), hang]);
    const badError = report.resources.find((r) => r.status === 'error' && !/^[^\n]{1,2000}$/.test(r.error ?? ''));
    if (badError) throw new Error(`plan reported an error that is not one line of at most 2,000 characters: ${JSON.stringify(badError.error).slice(0, 300)}`);
    return 'plan';
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    if (!/^[^\n]+$/.test(e.message) || !e.message.includes(copy)) throw new Error(`plan's input error is not one line naming the file: ${e.message.slice(0, 300)}`, { cause: e });
    return 'input-error';
  } finally {
    clearTimeout(timer);
    rmSync(copy, { recursive: true, force: true });
  }
}

import { cpSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { Stack } from 'aws-cdk-lib';
import { planAssembly } from '../bin/cli/plan';
import { InputError } from '../bin/cli/input-error';
import { Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { RESOURCE_TYPE } from '../lib/resource-properties';
import { synthesizeApp, tempDir } from './support/synth';

jest.setTimeout(120_000);

const SEED = 20261126;
const RUNS = 60;

const emulator = new Emulator();
let endpoint: string;
let assembly: string;
let templateFile: string;
beforeAll(async () => {
  endpoint = await emulator.start();
  assembly = synthesizeApp({ Partner: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL }) });
  templateFile = readdirSync(assembly).find((f) => f.endsWith('.template.json'))!;
});
afterAll(() => emulator.stop());

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** What a broken or hand-edited template can hold where plan reads: whole templates, resources and properties. */
const hostileTemplate = fc.oneof(
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

test('hostile templates: plan answers with a plan or a one-line input error, never an unexpected error or a hang', async () => {
  const outcomes = { plans: 0, inputErrors: 0 };
  await fc.assert(fc.asyncProperty(hostileTemplate, async (body) => {
    const copy = tempDir('hostile-assembly-');
    cpSync(assembly, copy, { recursive: true });
    writeFileSync(path.join(copy, templateFile), body);
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('plan did not answer within 20 s')), 20_000); });
    try {
      const report = await Promise.race([planAssembly(copy, { emulatorEndpoint: endpoint, timeoutMs: 15_000 }), hang]);
      outcomes.plans += 1;
      for (const resource of report.resources) {
        if (resource.status === 'error') expect(resource.error).toMatch(/^[^\n]{1,2000}$/);
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      outcomes.inputErrors += 1;
      expect(e.message).toMatch(/^[^\n]+$/);
      expect(e.message).toContain(copy);
    } finally {
      clearTimeout(timer);
    }
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  expect(outcomes.plans).toBeGreaterThan(0);
  expect(outcomes.inputErrors).toBeGreaterThan(0);
  // The good template still plans: the copies, not the original, were broken.
  expect(JSON.parse(readFileSync(path.join(assembly, templateFile), 'utf8')).Resources).toBeDefined();
});

import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { Stack } from 'aws-cdk-lib';
import { Emulator } from '../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../lib';
import { hostileTemplate, planHostileTemplate } from './support/hostile-inputs';
import { synthesizeApp } from './support/synth';

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

test('hostile templates: plan answers with a plan or a one-line input error, never an unexpected error or a hang', async () => {
  const outcomes = { plans: 0, inputErrors: 0 };
  await fc.assert(fc.asyncProperty(hostileTemplate, async (body) => {
    const outcome = await planHostileTemplate(assembly, templateFile, body, endpoint);
    outcomes[outcome === 'plan' ? 'plans' : 'inputErrors'] += 1;
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  expect(outcomes.plans).toBeGreaterThan(0);
  expect(outcomes.inputErrors).toBeGreaterThan(0);
  // The good template still plans: the copies, not the original, were broken.
  expect(JSON.parse(readFileSync(path.join(assembly, templateFile), 'utf8')).Resources).toBeDefined();
});

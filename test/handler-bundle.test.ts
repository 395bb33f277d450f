import { cpSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as path from 'path';
import { runInLambdaProcess } from '../emulator/lambda-process';
import { createEvent, lambdaContext, RUNTIME_NODE } from './support/events';
import { useEmulator } from './support/emulator-environment';
import { tempDir } from './support/synth';

jest.setTimeout(30_000);

const { emulator, newAccount } = useEmulator();
const BUNDLE = path.join(__dirname, '..', 'assets', 'handler');

test('without a role, the shipped handler never loads STS: it works with every STS chunk removed', async () => {
  const copy = tempDir('bundle-without-sts-');
  cpSync(BUNDLE, copy, { recursive: true });
  const chunks = path.join(copy, 'chunks');
  const stsChunks = readdirSync(chunks).filter((f) => readFileSync(path.join(chunks, f), 'utf8').includes('AWSSecurityTokenServiceV20110615'));
  expect(stsChunks.length).toBeGreaterThan(0);
  stsChunks.forEach((f) => rmSync(path.join(chunks, f)));
  const invoke = async (properties: object) => {
    const { error } = await runInLambdaProcess({
      execPath: RUNTIME_NODE, codeDirectory: copy, handler: 'index.handler', payload: JSON.stringify(createEvent(properties as any)),
      requestId: 'bundle-test', timeoutMs: lambdaContext().getRemainingTimeInMillis(), env: process.env,
    });
    if (error) throw new Error(error.errorMessage);
  };

  const account = newAccount();
  await invoke({ Catalog: 'AWS', AccessType: 'DENY_ALL' });
  expect(emulator.preferences(account, 'AWS').AccessType).toBe('DENY_ALL');
  // The same copy fails as soon as a role needs STS: the chunks removed were the ones STS needs.
  await expect(invoke({ Catalog: 'AWS', AccessType: 'DENY_ALL', AssumeRoleArn: 'arn:aws:iam::210987654321:role/pc' }))
    .rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
});

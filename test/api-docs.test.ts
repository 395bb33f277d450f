import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { tempDir } from './support/synth';

jest.setTimeout(120_000);

test('API.md is what jsii-docgen makes of the current jsdoc (run npm run docgen after changing the API)', () => {
  const root = path.join(__dirname, '..');
  const fresh = path.join(tempDir('api-docs-'), 'API.md');
  execFileSync(path.join(root, 'node_modules', '.bin', 'jsii-docgen'), ['--output', fresh], {
    cwd: root, stdio: 'pipe', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  });
  expect(readFileSync(path.join(root, 'API.md'), 'utf8')).toBe(readFileSync(fresh, 'utf8'));
});

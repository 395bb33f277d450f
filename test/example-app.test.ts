import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');

test('the example app synthesizes with the CDK CLI, offline, from cdk.json', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'example-synth-'));
  const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8'));
  expect(cdkJson).toMatchObject({ notices: false, context: { 'cli-telemetry': false } });

  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', out], {
    cwd: root,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    stdio: 'pipe',
  });

  const template = JSON.parse(fs.readFileSync(path.join(out, 'PartnerConnectionPreferences.template.json'), 'utf8'));
  const resources = Object.values(template.Resources) as any[];
  expect(resources.filter((r) => r.Type === 'Custom::PartnerCentralConnectionPreferences')).toEqual([
    expect.objectContaining({ Properties: expect.objectContaining({ AccessType: 'ALLOW_BY_DEFAULT_DENY_SOME', Catalog: 'AWS' }) }),
  ]);
}, 60_000);

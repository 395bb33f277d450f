import { execFileSync, spawnSync } from 'child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { tempDir } from './support/synth';

jest.setTimeout(300_000);

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/**
 * The consumer app's node_modules is about 200 MB: each test's folders go when the test ends, not with the file's
 * temp folder when the file ends.
 */
const foldersOfThisTest: string[] = [];
const testFolder = (prefix: string) => {
  const folder = tempDir(prefix);
  foldersOfThisTest.push(folder);
  return folder;
};
afterEach(() => {
  for (const folder of foldersOfThisTest.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

test('the package holds the compiled library and its types, the handler bundle, the command and the docs; no sources or tests', () => {
  const [{ files }] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root));
  const paths: string[] = files.map((f: { path: string }) => f.path).sort();

  for (const expected of ['package.json', 'README.md', 'LICENSE', 'API.md', 'CHANGELOG.md', '.jsii', 'lib/index.js', 'lib/index.d.ts',
    'lib/connection-preferences.js', 'assets/handler/index.mjs', 'assets/cli/connection-preferences.js']) {
    expect(paths).toContain(expected);
  }
  expect(paths.filter((p) => p.startsWith('assets/handler/chunks/')).length).toBeGreaterThan(0);
  const unwanted = paths.filter((p) => /^(test|lambda|bin|emulator|bench|cdk\.out|dist|\.local-deploy)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')));
  expect(unwanted).toEqual([]);
});

test('installed from its tarball into a fresh app with the aws-cdk-lib floor, it synthesizes, ships its handler, and is cdk-nag clean', () => {
  const floor = (pkg.peerDependencies['aws-cdk-lib'] as string).replace(/^\^/, '');
  const constructsFloor = (pkg.peerDependencies.constructs as string).replace(/^\^/, '');
  const packDir = testFolder('pack-');
  npm(['pack', '--ignore-scripts', '--pack-destination', packDir], root);
  const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  const app = testFolder('consumer-');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  npm(['install', '--no-save', tarball, `aws-cdk-lib@${floor}`, `constructs@${constructsFloor}`, `cdk-nag@${pkg.devDependencies['cdk-nag']}`], app);
  writeFileSync(path.join(app, 'app.js'), `
    const { App, Stack, Validations } = require('aws-cdk-lib');
    const { AwsSolutionsChecks } = require('cdk-nag');
    const { AccessType, ConnectionPreferences } = require('${pkg.name}');
    const app = new App({ outdir: 'cdk.out' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'PartnerConnectionPreferences');
    new ConnectionPreferences(stack, 'ConnectionPreferences', { accessType: AccessType.ALLOW_BY_DEFAULT_DENY_SOME, excludedParticipantIdentifiers: ['111122223333'] });
    app.synth();
  `);

  execFileSync(process.execPath, ['app.js'], { cwd: app, stdio: 'pipe' });

  const installed = JSON.parse(readFileSync(path.join(app, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8'));
  expect(installed.version).toBe(floor);
  const out = path.join(app, 'cdk.out');
  const template = readFileSync(path.join(out, 'PartnerConnectionPreferences.template.json'), 'utf8');
  expect(template).toContain('Custom::PartnerCentralConnectionPreferences');
  const handlerAssets = readdirSync(out).filter((d) => d.startsWith('asset.') && readdirSync(path.join(out, d)).includes('index.mjs'));
  expect(handlerAssets).toHaveLength(1);
  expect(readFileSync(path.join(out, handlerAssets[0], 'index.mjs'), 'utf8')).toBe(readFileSync(path.join(root, 'assets', 'handler', 'index.mjs'), 'utf8'));
  // The command the package declares runs from the consumer's node_modules/.bin.
  const help = spawnSync(path.join(app, 'node_modules', '.bin', 'connection-preferences'), ['--help'], { encoding: 'utf8' });
  expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('Usage: connection-preferences plan')]);
});

test('jsii-pacmak builds the JavaScript package from the jsii assembly', () => {
  const outdir = testFolder('pacmak-');
  execFileSync(path.join(root, 'node_modules', '.bin', 'jsii-pacmak'), ['--targets', 'js', '--outdir', outdir], {
    cwd: root, stdio: 'pipe', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  });
  expect(readdirSync(path.join(outdir, 'js'))).toEqual([`${pkg.name}@${pkg.version}.jsii.tgz`]);
});

import { execFileSync, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { tempDir } from './support/synth';

jest.setTimeout(300_000);

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });

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
  // A source map would send a stack trace to lib/*.ts, which the package does not ship (see the stack trace tests).
  const mapped = paths.filter((p) => p.endsWith('.map') || (/\.(c|m)?js$/.test(p) && readFileSync(path.join(root, p), 'utf8').includes('//# sourceMappingURL=')));
  expect(mapped).toEqual([]);
});

test('npm ci in a clone runs the set-up the README\'s commands need; npm pack, as jsii-pacmak runs it, runs nothing', () => {
  // The repository's own scripts, with the two steps of the set-up (the build, and the Node of the Lambda runtime for
  // the local deploy) replaced by markers: which lifecycle script npm ci runs is npm's business, and this checks it.
  const clone = tempDir('clone-');
  const ran = path.join(clone, 'ran.log');
  const mark = (step: string) => `node -e "require('fs').appendFileSync('ran.log', '${step}\\n')"`;
  const scripts = { ...pkg.scripts, 'build': mark('build'), 'lambda-node': mark('lambda-node') };
  writeFileSync(path.join(clone, 'package.json'), JSON.stringify({ name: 'clone', version: '1.0.0', scripts }));
  npm(['install', '--package-lock-only', '--ignore-scripts'], clone);

  npm(['ci'], clone);
  expect(readFileSync(ran, 'utf8')).toBe('build\nlambda-node\n');

  rmSync(ran);
  npm(['pack', '--pack-destination', clone], clone);
  expect(existsSync(ran)).toBe(false);
});

describe('installed from its tarball into a fresh app with the aws-cdk-lib floor', () => {
  let app: string;
  let installOutput: string;
  const installed = () => path.join(app, 'node_modules', pkg.name);

  beforeAll(() => {
    const floor = (pkg.peerDependencies['aws-cdk-lib'] as string).replace(/^\^/, '');
    const constructsFloor = (pkg.peerDependencies.constructs as string).replace(/^\^/, '');
    const packDir = tempDir('pack-');
    npm(['pack', '--ignore-scripts', '--pack-destination', packDir], root);
    const tarball = path.join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    app = tempDir('consumer-');
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const install = spawnSync('npm', ['install', '--no-save', tarball, `aws-cdk-lib@${floor}`, `constructs@${constructsFloor}`, `cdk-nag@${pkg.devDependencies['cdk-nag']}`], {
      cwd: app, encoding: 'utf8', env: npmEnv,
    });
    installOutput = `${install.stdout}${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install failed:\n${installOutput}`);
    const version = JSON.parse(readFileSync(path.join(app, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')).version;
    if (version !== floor) throw new Error(`installed aws-cdk-lib ${version}, not the floor ${floor}`);
  });
  // The consumer app's node_modules is about 200 MB: it goes when these tests end, not with the file's temp folder.
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  test('it synthesizes, ships its handler, and is cdk-nag clean', () => {
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

  test('it has no install script: npm neither runs one nor asks to approve one', () => {
    const { scripts = {} } = JSON.parse(readFileSync(path.join(installed(), 'package.json'), 'utf8'));
    // npm runs these when it installs a package; prepare too, from a tarball or git (and npm 11 asks to approve it).
    expect(Object.keys(scripts).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
    expect(installOutput).not.toMatch(/install-scripts|install scripts/i);
  });

  test.each([
    ['plain node', []],
    ['node --enable-source-maps, as ts-node and source-map-support map frames too', ['--enable-source-maps']],
  ])('a synth error thrown by the construct has a stack trace that names files the package ships (%s)', (_, nodeOptions) => {
    writeFileSync(path.join(app, 'invalid.js'), `
      const { App, RemovalPolicy, Stack } = require('aws-cdk-lib');
      const { AccessType, ConnectionPreferences } = require('${pkg.name}');
      new ConnectionPreferences(new Stack(new App(), 'Partner'), 'Prefs', { accessType: AccessType.ALLOW_ALL, removalPolicy: RemovalPolicy.SNAPSHOT });
    `);
    const run = spawnSync(process.execPath, [...nodeOptions, 'invalid.js'], { cwd: app, encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([1, expect.stringContaining('Invalid ConnectionPreferences at Partner/Prefs: removalPolicy is ')]);

    // Frames look like `at new ConnectionPreferences (/…/node_modules/<package>/lib/connection-preferences.js:157:14)`.
    const packageFrames = [...run.stderr.matchAll(/\(?(\/[^\s()]+?):\d+:\d+\)?$/gm)].map((m) => m[1]).filter((file) => file.startsWith(installed() + path.sep));
    expect(packageFrames.length).toBeGreaterThan(0);
    expect(packageFrames.filter((file) => !existsSync(file))).toEqual([]);
  });
});

test('jsii-pacmak builds the JavaScript package from the jsii assembly', () => {
  const outdir = tempDir('pacmak-');
  execFileSync(path.join(root, 'node_modules', '.bin', 'jsii-pacmak'), ['--targets', 'js', '--outdir', outdir], {
    cwd: root, stdio: 'pipe', env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  });
  expect(readdirSync(path.join(outdir, 'js'))).toEqual([`${pkg.name}@${pkg.version}.jsii.tgz`]);
});

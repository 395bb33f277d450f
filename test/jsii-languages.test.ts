import { spawnSync, SpawnSyncReturns } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'fs';
import * as path from 'path';
import { tempDir } from './support/synth';

/**
 * What Construct Hub and the other languages' packages are made of, checked on the assembly the build just wrote
 * (this file does not rebuild): the TypeScript examples compile, and jsii-pacmak generates Python, Java, .NET and Go
 * for every type, with the examples translated. Only the generated Python is compiled: building the packages needs
 * PyPI, Maven Central, NuGet or the Go module proxy (the README says so). About 40 s.
 */
jest.setTimeout(180_000);

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const assembly = JSON.parse(readFileSync(path.join(root, '.jsii'), 'utf8'));
/** The assembly's own types: classes, enums, structs and interfaces. */
const typeNames: string[] = Object.values(assembly.types as Record<string, { name: string; namespace?: string }>)
  .filter((type) => type.namespace === undefined).map((type) => type.name).sort();

const env = {
  ...process.env,
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
  // jsii-pacmak packs the library with `npm pack`; no lifecycle script may rebuild it while other tests read it.
  npm_config_ignore_scripts: 'true',
};
const run = (command: string, args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
/** The output without the Node end-of-life banner some jsii tools print. */
const output = (result: SpawnSyncReturns<string>) =>
  `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('!!')).join('\n');

let project: string;
let rosetta: SpawnSyncReturns<string>;
let generated: string;
let pacmak: SpawnSyncReturns<string>;

beforeAll(() => {
  // jsii-rosetta writes its tablet beside the assembly, so it reads the assembly from a temp folder of links to the
  // project. It compiles the examples there (--directory) against the installed packages, with nothing to download;
  // Construct Hub installs `jsiiRosetta.exampleDependencies` (cdk-nag) instead.
  project = tempDir('rosetta-');
  for (const entry of ['.jsii', 'package.json', 'rosetta', 'lib']) symlinkSync(path.join(root, entry), path.join(project, entry));
  const modules = path.join(project, 'node_modules');
  const installed = path.join(root, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(installed).filter((e) => !e.startsWith('.'))) symlinkSync(path.join(installed, entry), path.join(modules, entry));
  symlinkSync(root, path.join(modules, pkg.name));
  rosetta = run(bin('jsii-rosetta'), ['extract', '--strict', '--batch', '100', '--directory', project, path.join(project, '.jsii')], project);

  generated = tempDir('pacmak-');
  pacmak = run(bin('jsii-pacmak'), ['--code-only', '--targets', 'python,java,dotnet,go', '--outdir', generated, '--no-npmignore',
    '--rosetta-tablet', path.join(project, '.jsii.tabl.json')], root);
});

test('every TypeScript example in the README and the jsdoc compiles with jsii-rosetta extract --strict', () => {
  // A diagnostic names the example by its line, e.g. `…-README-L63.ts:9:5 - error TS2304: Cannot find name 'CfnOutput'.`
  const diagnostics = output(rosetta).split('\n').filter((line) => / - error TS\d+: /.test(line));
  expect(diagnostics).toEqual([]);
  expect([rosetta.status, output(rosetta)]).toEqual([0, expect.anything()]);
  const tablet = JSON.parse(readFileSync(path.join(project, '.jsii.tabl.json'), 'utf8'));
  const snippets = Object.values(tablet.snippets) as Array<{ didCompile: boolean }>;
  expect(snippets.length).toBeGreaterThanOrEqual(5);
  expect(snippets.filter((s) => !s.didCompile)).toEqual([]);
});

test('jsii-pacmak --code-only generates Python, Java, .NET and Go for every type, and the Python compiles', () => {
  expect([pacmak.status, output(pacmak)]).toEqual([0, expect.anything()]);
  const { python, java, dotnet, go } = pkg.jsii.targets;

  const pythonModule = path.join(generated, 'python', 'src', python.module);
  const pythonSource = readFileSync(path.join(pythonModule, '__init__.py'), 'utf8');
  const javaDir = path.join(generated, 'java', 'src', 'main', 'java', ...java.package.split('.'));
  const dotnetDir = path.join(generated, 'dotnet', dotnet.packageId, ...dotnet.namespace.split('.'));
  const goDir = path.join(generated, 'go', readdirSync(path.join(generated, 'go'))[0]);
  const missing = typeNames.flatMap((name) => [
    ...(new RegExp(`^class ${name}\\b`, 'm').test(pythonSource) ? [] : [`python: class ${name}`]),
    ...[path.join(javaDir, `${name}.java`), path.join(dotnetDir, `${name}.cs`), path.join(goDir, `${name}.go`)]
      .filter((file) => !existsSync(file)).map((file) => path.relative(generated, file)),
  ]);
  expect(typeNames).toEqual(expect.arrayContaining(['ConnectionPreferences', 'ConnectionPreferencesMonitor']));
  expect(missing).toEqual([]);
  expect(readFileSync(path.join(goDir, 'go.mod'), 'utf8')).toContain(`module ${go.moduleName}`);
  expect(readFileSync(path.join(generated, 'java', 'pom.xml'), 'utf8')).toContain(`<artifactId>${java.maven.artifactId}</artifactId>`);
  expect(existsSync(path.join(generated, 'dotnet', dotnet.packageId, `${dotnet.packageId}.csproj`))).toBe(true);

  const compiled = run('python3', ['-m', 'compileall', '-q', path.join(generated, 'python', 'src')], generated);
  expect([compiled.status, output(compiled)]).toEqual([0, '']);
});

test('the generated packages show the README\'s examples in their own language', () => {
  const goDir = readdirSync(path.join(generated, 'go'))[0];
  const docs = {
    python: readFileSync(path.join(generated, 'python', 'README.md'), 'utf8'),
    java: readFileSync(path.join(generated, 'java', 'src', 'main', 'java', ...pkg.jsii.targets.java.package.split('.'), 'package-info.java'), 'utf8'),
    go: readFileSync(path.join(generated, 'go', goDir, 'README.md'), 'utf8'),
  };
  // The Usage example, translated; untranslated, it would read `const prefs = new ConnectionPreferences(this, 'Prefs', {`.
  expect(docs.python).toMatch(/prefs = ConnectionPreferences\(self, "Prefs",/);
  expect(docs.java).toMatch(/ConnectionPreferences prefs = ConnectionPreferences\.Builder\.create\(this, "Prefs"\)/);
  expect(docs.go).toMatch(/prefs := cdkpartnercentralconnectionpreferences\.NewConnectionPreferences\(this, jsii\.String\("Prefs"\)/);
});

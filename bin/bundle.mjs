// Bundles what the package ships as runnable code, each with its AWS SDK clients, minified: the Lambda handler
// (loaded with Code.fromAsset, so users of the construct need neither esbuild nor Docker at synth) and the
// connection-preferences command (so it needs no dependencies at run time).
import { build } from 'esbuild';
import { chmodSync, copyFileSync, rmSync } from 'fs';
import { fileURLToPath } from 'url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
};

// The handler is an ES module split into chunks (Lambda runs index.mjs as it runs index.js): code behind the SDK's
// dynamic imports, such as STS for a role, the credential sources Lambda never reaches and event streams, is
// shipped in chunks that load only when used. Stale chunks would change the asset hash: start from an empty folder.
rmSync(new URL('../assets/handler', import.meta.url), { recursive: true, force: true });
await build({
  ...common,
  // The monitor's function shares the asset and its chunks: one upload, one SDK copy for both functions.
  entryPoints: ['lambda/index.ts', 'lambda/monitor.ts'],
  outdir: 'assets/handler',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  // A browser user-agent parser that the SDK imports only in browsers.
  external: ['bowser'],
});
await build({
  ...common,
  entryPoints: ['bin/connection-preferences.ts'],
  outfile: 'assets/cli/connection-preferences.js',
  // The CDK CLI is the user's own; it is only run, never bundled. The emulator's local deploy parts (the response
  // bucket's certificate, the Lambda runtime's SDK) are never loaded by plan, which only reads the emulator's state.
  external: ['aws-cdk', 'selfsigned', '@aws-sdk/client-lambda/package.json'],
});
chmodSync(new URL('../assets/cli/connection-preferences.js', import.meta.url), 0o755);
// `check --local` runs a local deploy's monitor in the emulator's Lambda, which starts each invocation from these two
// files beside its code: the runtime and the network preload are plain JavaScript, shipped as they are.
for (const file of ['lambda-runtime.mjs', 'lambda-network.cjs']) copyFileSync(new URL(`../emulator/${file}`, import.meta.url), new URL(`../assets/cli/${file}`, import.meta.url));

// Bundles the handler with its SDK client into one minified file at assets/handler/index.js, which the library
// ships and loads with Code.fromAsset: users of the construct need neither esbuild nor Docker at synth.
import { build } from 'esbuild';
import { fileURLToPath } from 'url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['lambda/index.ts'],
  outfile: 'assets/handler/index.js',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ['module', 'main'],
  logLevel: 'warning',
});

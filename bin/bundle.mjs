// Bundles what the package ships as runnable code, each with its AWS SDK clients, minified: the Lambda handler
// (loaded with Code.fromAsset, so users of the construct need neither esbuild nor Docker at synth) and the
// connection-preferences command (so it needs no dependencies at run time).
import { build } from 'esbuild';
import { chmodSync } from 'fs';
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

await build({ ...common, entryPoints: ['lambda/index.ts'], outfile: 'assets/handler/index.js' });
await build({
  ...common,
  entryPoints: ['bin/connection-preferences.ts'],
  outfile: 'assets/cli/connection-preferences.js',
  // The CDK CLI is the user's own; it is only run, never bundled.
  external: ['aws-cdk'],
});
chmodSync(new URL('../assets/cli/connection-preferences.js', import.meta.url), 0o755);

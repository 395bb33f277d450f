import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AccessType, ConnectionPreferences } from '../lib';

/**
 * `node bench/synth-app.js <stacks> <with|without> <outdir>`: synthesizes an app of that many stacks, each with an
 * SNS topic as ordinary content and, `with`, one ConnectionPreferences; each stack in its own account.
 */
const [stacks, mode, outdir] = process.argv.slice(2);
const app = new App({ outdir });
for (let i = 0; i < Number(stacks); i++) {
  const stack = new Stack(app, `Partner${i}`, { env: { account: String(100000000000 + i), region: 'us-east-1' } });
  new sns.Topic(stack, 'Notifications');
  if (mode === 'with') new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL });
}
app.synth();

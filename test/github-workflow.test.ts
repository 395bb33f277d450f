import { spawn } from 'child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { credentialsOfAccount, DEFAULT_ACCOUNT } from '../emulator/emulator';
import { useEmulator } from './support/emulator-environment';
import { tempDir } from './support/synth';

jest.setTimeout(180_000);

/**
 * The GitHub Actions workflow that the README gives (examples/github-actions/), read as GitHub reads it, and the
 * commands of its pull-request job run as GitHub runs them (bash -eo pipefail, one step after another, stopping at
 * the first that fails), in a consumer project with this package installed, against the emulator. GitHub's own
 * actions (checkout, setup-node, credentials) are what the test's environment stands in for, and `gh` is a stand-in
 * for GitHub's API that keeps the pull request's comments in a file.
 */
const ROOT = path.join(__dirname, '..');
const WORKFLOW = load(readFileSync(path.join(ROOT, 'examples', 'github-actions', 'connection-preferences.yml'), 'utf8')) as any;
const { emulator } = useEmulator();
const MARKER = '<!-- connection-preferences-plan -->';

test('plans pull requests and deploys merges to main, each job with its own role', () => {
  expect(WORKFLOW.on).toEqual({ pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
  const { plan, deploy } = WORKFLOW.jobs;
  expect(plan.if).toBe('github.event_name == \'pull_request\'');
  expect(plan.permissions).toEqual({ 'contents': 'read', 'id-token': 'write', 'pull-requests': 'write' });
  expect(roleOf(plan)).toBe('${{ vars.PLAN_ROLE_ARN }}');
  expect(deploy.if).toBe('github.event_name == \'push\'');
  expect(roleOf(deploy)).toBe('${{ vars.DEPLOY_ROLE_ARN }}');
  expect(deploy.steps.at(-1).run).toMatch(/npx cdk deploy --all --require-approval never/);
});

describe('the pull-request job, run against the emulator', () => {
  let project: string;
  beforeAll(() => {
    project = consumerProject();
  });

  test('changes pending: the job passes and posts the plan as one comment', async () => {
    const run = await runJob(project, WORKFLOW.jobs.plan);
    expect(run.output).toBeUndefined();
    const comments = commentsOf(project);
    expect(comments).toHaveLength(1);
    expect(comments[0].body.startsWith(`${MARKER}\n### Connection preferences plan`)).toBe(true);
    expect(comments[0].body).toContain('| PartnerConnectionPreferences | PartnerConnectionPreferences/ConnectionPreferences | 123456789012 | AWS |');
    expect(run.outputs).toEqual({ 'exit-code': '2' });
  });

  test('errors, on the next push: the same comment now shows them, and the job fails after updating it', async () => {
    const [posted] = commentsOf(project);
    emulator.inject({ kind: 'access-denied', count: 1_000 });
    try {
      const run = await runJob(project, WORKFLOW.jobs.plan);
      expect(run).toMatchObject({ failedStep: 'Fail on plan errors', outputs: { 'exit-code': '1' } });
      expect(commentsOf(project).map((c) => c.id)).toEqual([posted.id]);
      expect(commentsOf(project)[0].body).toMatch(/Partner Central denied GetConnectionPreferences/);
    } finally {
      emulator.clearFaults();
    }
  });
});

function roleOf(job: any): string {
  return job.steps.find((s: any) => String(s.uses).startsWith('aws-actions/configure-aws-credentials')).with['role-to-assume'];
}

/**
 * A repository with a CDK app (this package's example app, with its cdk.json) and this package installed, as the
 * workflow expects: `npx cdk` and `npx connection-preferences` resolve to node_modules/.bin, with no network.
 */
function consumerProject(): string {
  const dir = tempDir('consumer-repo-');
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
  writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ ...cdkJson, app: `node ${path.join(ROOT, 'bin', 'example-app.js')}` }));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'partner-preferences', private: true }));
  const bin = path.join(dir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), path.join(bin, 'cdk'));
  symlinkSync(path.join(ROOT, 'assets', 'cli', 'connection-preferences.js'), path.join(bin, 'connection-preferences'));
  // Stand-ins for what the runner has: npm (its `ci` installs nothing new here) and GitHub's CLI.
  const tools = path.join(dir, '.tools');
  mkdirSync(tools);
  script(path.join(tools, 'npm'), `#!/bin/sh\n[ "$1" = ci ] && exit 0\nexec ${JSON.stringify(path.join(path.dirname(process.execPath), 'npm'))} "$@"\n`);
  script(path.join(tools, 'gh'), `#!/usr/bin/env node\n${FAKE_GH}`);
  return dir;
}

function script(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/** `gh api` for the comments of pull request 7, kept in .comments.json; --jq answers the ids of comments that start with the marker. */
const FAKE_GH = `
const fs = require('fs');
const args = process.argv.slice(2);
const store = '.comments.json';
const comments = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : [];
const option = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const method = option('--method') ?? 'GET';
const route = args.find((a, i) => i > 0 && !a.startsWith('-') && !['--method', '--jq', '-F'].includes(args[i - 1]));
const body = () => fs.readFileSync(option('-F').replace(/^body=@/, ''), 'utf8');
if (args[0] !== 'api') process.exit(2);
if (method === 'GET' && route.endsWith('/issues/7/comments')) {
  comments.filter((c) => c.body.startsWith(${JSON.stringify(MARKER)})).forEach((c) => console.log(c.id));
} else if (method === 'POST' && route.endsWith('/issues/7/comments')) {
  comments.push({ id: 1000 + comments.length, body: body() });
} else if (method === 'PATCH' && /\\/issues\\/comments\\/\\d+$/.test(route)) {
  comments.find((c) => String(c.id) === route.split('/').pop()).body = body();
} else {
  console.error('unexpected gh call: ' + args.join(' '));
  process.exit(1);
}
fs.writeFileSync(store, JSON.stringify(comments));
`;

function commentsOf(project: string): { id: number; body: string }[] {
  return JSON.parse(readFileSync(path.join(project, '.comments.json'), 'utf8'));
}

/** Runs the job's `run` steps as GitHub does, with the expressions they use; returns the first step that failed and the plan step's outputs. */
async function runJob(project: string, job: any): Promise<{ failedStep?: string; output?: string; outputs: Record<string, string> }> {
  const outputs: Record<string, Record<string, string>> = {};
  const expressions = (step: any): Record<string, string> => ({
    'github.token': 'token-for-the-test',
    'github.event.pull_request.number': '7',
    ...Object.fromEntries(Object.entries(outputs).flatMap(([id, values]) => Object.entries(values).map(([k, v]) => [`steps.${id}.outputs.${k}`, v]))),
    ...step.with,
  });
  for (const step of job.steps.filter((s: any) => s.run)) {
    const outputFile = path.join(tempDir('github-output-'), 'output');
    writeFileSync(outputFile, '');
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([name, value]) =>
      [name, String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => expressions(step)[expression] ?? '')]));
    // Asynchronously: the emulator answers from this process (the CDK CLI asks STS who it is, for one).
    let output = '';
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd: project,
      env: {
        PATH: `${path.join(project, '.tools')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        GITHUB_OUTPUT: outputFile,
        GITHUB_REPOSITORY: 'example-org/partner-central-preferences',
        CDK_DISABLE_VERSION_CHECK: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // What configure-aws-credentials leaves behind, with the emulator as AWS.
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: credentialsOfAccount(DEFAULT_ACCOUNT).accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentialsOfAccount(DEFAULT_ACCOUNT).secretAccessKey,
        AWS_ENDPOINT_URL: emulator.url,
        ...env,
      },
    });
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (step.id) outputs[step.id] = Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    // The failing step's output, for the test's failure message.
    if (status !== 0) return { failedStep: step.name, output: output.slice(-2_000), outputs: outputs.plan ?? {} };
  }
  return { outputs: outputs.plan ?? {} };
}

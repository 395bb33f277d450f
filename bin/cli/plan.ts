import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import { assumeRole } from '../../lambda/assume-role';
import { ConnectionPreferencesApi, Credentials, DesiredPreferences } from '../../lambda/connection-preferences-api';
import { readProperties } from '../../lambda/properties';
import type { Difference } from '../../lambda/converge';
import { callWithinDeadline } from '../../lambda/deadline';
import { inOrderAtMost } from '../../lambda/in-order';
import { accountOfRoleArn } from '../../lib/preference-rules';
import { ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';
import { SERVICE_TEXT, shorten } from '../../lib/summary';
import { DeclaredResource, emulatedEnvironmentOf, readAssembly, resourcesOfType, unresolvedProperty, declaredResources } from './cloud-assembly';
import { decideDeploy, DeployStatus, Drift } from './deploy-decision';
import { firstLine } from './input-error';
import { PlanCallError, PlanCalls } from './service-calls';
import { parseTemplateBody } from '../../lambda/template-body';

/**
 * How many resources are read at once. Each reads its stack's deployed template (once per stack) while it assumes its
 * role and then reads its preferences: with 20, at most 40 calls are in flight. Why 20: the README's Plan section.
 */
export const DEFAULT_CONCURRENCY = 20;
/** How long a whole plan may take by default. */
export const DEFAULT_TIMEOUT_MS = 180_000;
/** The version of the JSON shape (PlanReport), documented in the README; raised when a field changes or goes. */
export const SCHEMA_VERSION = 1;

export type PlanStatus = DeployStatus | 'error';
type Preferences = Omit<DesiredPreferences, 'catalog'>;

/** What a deploy would do to one ConnectionPreferences, and what was changed outside its stack. */
export interface ResourcePlan {
  readonly stack: string;
  /** The construct path. */
  readonly resource: string;
  readonly logicalId: string;
  /** The account whose preferences these are, when known. */
  readonly account?: string;
  readonly catalog: string;
  readonly status: PlanStatus;
  /** The request CloudFormation would send the resource (see DeployDecision). */
  readonly request?: 'Create' | 'Update' | 'none';
  /** Whether the stack is deployed with this resource in it. */
  readonly deployed?: boolean;
  readonly declared?: Preferences;
  readonly live?: Preferences & { readonly revision: number; readonly arn: string };
  /** From live to declared: what a deploy would write. */
  readonly changes?: Difference;
  readonly drift?: Drift;
  readonly error?: string;
}

export interface PlanSummary {
  readonly resources: number;
  readonly change: number;
  readonly unchanged: number;
  readonly blocked: number;
  readonly outOfSync: number;
  readonly error: number;
  /** Resources whose preferences were changed outside their stack, whatever the deploy does about it. */
  readonly changedOutside: number;
}

/** The plan, as `--format json` prints it. */
export interface PlanReport {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** As the command exits: 0 nothing to do, 2 something to review, 1 an error. */
  readonly exitCode: 0 | 1 | 2;
  readonly summary: PlanSummary;
  readonly resources: ResourcePlan[];
}

export interface PlanOptions {
  /** Resources read at once (default DEFAULT_CONCURRENCY). */
  readonly concurrency?: number;
  /** Milliseconds the whole plan may take (default DEFAULT_TIMEOUT_MS); each call gets at most a third, and 30 s. */
  readonly timeoutMs?: number;
  /**
   * When the plan must end (epoch milliseconds), when the `timeoutMs` began before this call: messages still name
   * the whole `timeoutMs`, as the user gave it. @default now + timeoutMs
   */
  readonly deadline?: number;
  /**
   * An emulator to read from, as `--endpoint`: each stack is read as its own emulated account. While the plan
   * runs, process.env points the SDK at it (the handler's own code, which the plan reuses, reads it there).
   */
  readonly emulatorEndpoint?: string;
}

/**
 * Plans a synthesized cloud assembly: for the benchmark and other programs. Throws an InputError when the
 * assembly cannot be read.
 */
export async function planAssembly(assemblyDir: string, options: PlanOptions = {}): Promise<PlanReport> {
  const { resources } = readAssembly(assemblyDir, 'synthesize the app first (npx cdk synth)');
  const saved = { ...process.env };
  try {
    if (options.emulatorEndpoint) useEmulator(options.emulatorEndpoint);
    return reportOf(await planResources(resources, options));
  } finally {
    if (options.emulatorEndpoint) {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }
}

/** Points the SDK's standard configuration at an emulator, with the default account's credentials for STS. */
export function useEmulator(endpoint: string): void {
  for (const service of ['PARTNERCENTRAL_ACCOUNT', 'STS', 'CLOUDFORMATION']) process.env[`AWS_ENDPOINT_URL_${service}`] = endpoint;
  // STS is called by the handler's own assumeRole with the default credential chain: a profile would win over these.
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(process.env, emulatedEnvironmentOf({ environment: { account: 'unknown-account', region: process.env.AWS_REGION ?? 'unknown-region' } }).env);
}

/**
 * Reads the live preferences of the resources, at most `concurrency` resources at once, with the SDK's standard
 * configuration (credential chain, profile, AWS_ENDPOINT_URL_*), assuming each resource's role where it has one, and
 * decides what a deploy would do, against the deployed template (CloudFormation's drift detection skips custom
 * resources). The plans are in the order of `resources`.
 */
export async function planResources(resources: DeclaredResource[], options: PlanOptions = {}): Promise<ResourcePlan[]> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
  const calls = new PlanCalls(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.deadline);
  const templates = new Map<CloudFormationStackArtifact, Promise<DeployedResources | Error>>();
  const deployedOf = (stack: CloudFormationStackArtifact, access: StackAccess) => {
    if (!templates.has(stack)) templates.set(stack, readDeployed(stack, access, calls).catch((e: Error) => e));
    return templates.get(stack)!;
  };
  return inOrderAtMost(concurrency, resources, (resource) => {
    const access = accessOf(resource.stack, options.emulatorEndpoint !== undefined);
    return planResource(resource, access, calls, deployedOf(resource.stack, access));
  });
}

/**
 * One stack at a time, calling `beforeStack` first: for callers that address each stack's account through the
 * environment (the SDK's standard configuration), which concurrent stacks would share.
 */
export async function planStacks(stacks: CloudFormationStackArtifact[], beforeStack: (stack: CloudFormationStackArtifact) => void = () => undefined): Promise<ResourcePlan[]> {
  const plans: ResourcePlan[] = [];
  for (const stack of stacks) {
    const resources = declaredResources(stack);
    if (resources.length === 0) continue;
    beforeStack(stack);
    plans.push(...await planResources(resources, { concurrency: 1 }));
  }
  return plans;
}

export function reportOf(resources: ResourcePlan[]): PlanReport {
  const count = (status: PlanStatus) => resources.filter((p) => p.status === status).length;
  const summary = {
    resources: resources.length, change: count('change'), unchanged: count('unchanged'), blocked: count('blocked'),
    outOfSync: count('out-of-sync'), error: count('error'), changedOutside: resources.filter((p) => p.drift).length,
  };
  const exitCode = summary.error > 0 ? 1 : summary.unchanged === summary.resources ? 0 : 2;
  return { schemaVersion: SCHEMA_VERSION, exitCode, summary, resources };
}

/** The ConnectionPreferences of a deployed template by logical id; undefined when the stack is not deployed. */
type DeployedResources = Record<string, ConnectionPreferencesResourceProperties> | undefined;
/** The region and credentials to read a stack with; the SDK's standard configuration for what is not given. */
interface StackAccess {
  readonly region?: string;
  readonly credentials?: Credentials;
}

function accessOf(stack: CloudFormationStackArtifact, emulated: boolean): StackAccess {
  if (!emulated) return { region: stack.environment.region.startsWith('unknown') ? undefined : stack.environment.region };
  // The emulator knows accounts by their access keys: address each stack's own.
  const { region, env } = emulatedEnvironmentOf(stack);
  return { region, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
}

async function planResource(resource: DeclaredResource, access: StackAccess, calls: PlanCalls, deployed: Promise<DeployedResources | Error>): Promise<ResourcePlan> {
  const roleArn = typeof resource.properties.AssumeRoleArn === 'string' ? resource.properties.AssumeRoleArn : undefined;
  const stackAccount = /^\d{12}$/.test(resource.stack.environment.account) ? resource.stack.environment.account : undefined;
  const base = {
    stack: resource.stack.stackName, resource: resource.path, logicalId: resource.logicalId,
    account: (roleArn && accountOfRoleArn(roleArn)) || stackAccount, catalog: String(resource.properties.Catalog),
  };
  const unresolved = unresolvedProperty(resource.properties);
  if (unresolved) return { ...base, status: 'error', error: `property ${unresolved} is a Ref or Fn:: that only CloudFormation resolves` };
  try {
    const { settings, live } = await readLive(resource, access, calls);
    const before = await deployed;
    if (before instanceof Error) throw before;
    const deployedProperties = before?.[resource.logicalId];
    return {
      ...base,
      account: live.arn.split(':')[4] ?? base.account,
      ...decideDeploy(resource.properties, live, deployedProperties),
      deployed: deployedProperties !== undefined,
      declared: { accessType: settings.desired.accessType, excludedParticipantIds: settings.desired.excludedParticipantIds },
      live: { accessType: live.accessType, excludedParticipantIds: live.excludedParticipantIds, revision: live.revision, arn: live.arn },
    };
  } catch (e) {
    return { ...base, status: 'error', error: explain(e, resource) };
  }
}

async function readLive(resource: DeclaredResource, access: StackAccess, calls: PlanCalls) {
  // The handler's checks first: a deploy would fail on them before any call.
  const settings = readProperties(resource.properties);
  const { assumeRoleArn: roleArn, externalId, desired: { catalog } } = settings;
  const log = () => undefined;
  const credentials = roleArn === undefined ? access.credentials : await calls.call('STS', 'AssumeRole', undefined, `of ${roleArn}`,
    (deadline) => assumeRole({ roleArn, externalId, sessionName: 'connection-preferences-plan', deadline, log, caller: 'the identity that runs plan' }));
  const live = await calls.call('Partner Central', 'GetConnectionPreferences', undefined, `for the ${catalog} catalog${roleArn ? ` as ${roleArn}` : ''}`,
    (deadline) => new ConnectionPreferencesApi({ log, deadline, credentials, principal: roleArn ?? 'your credentials' }).read(catalog, 1));
  return { settings, live };
}

async function readDeployed(stack: CloudFormationStackArtifact, access: StackAccess, calls: PlanCalls): Promise<DeployedResources> {
  let body: string;
  try {
    const { TemplateBody } = await calls.call('CloudFormation', 'GetTemplate', access.region, `of stack ${stack.stackName}`, (deadline) =>
      callWithinDeadline('GetTemplate', deadline, (abortSignal) => calls.cloudFormation(access.region, access.credentials).send(new GetTemplateCommand({ StackName: stack.stackName, TemplateStage: 'Original' }), { abortSignal })));
    body = TemplateBody ?? '';
  } catch (e: any) {
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) return undefined;
    if (e instanceof PlanCallError) throw e;
    throw new PlanCallError(`reading the deployed template of stack ${stack.stackName} failed: ${e.name}: ${shorten(firstLine(e), SERVICE_TEXT)}`, { cause: e });
  }
  try {
    return resourcesOfType(parseTemplateBody(body));
  } catch (e) {
    throw new PlanCallError(`the deployed template of stack ${stack.stackName} (GetTemplate) ${/^(is|declares) /.test(firstLine(e)) ? '' : 'could not be read: '}${shorten(firstLine(e), SERVICE_TEXT)}`);
  }
}

/** An error in words that say what to do, where the SDK's do not. */
function explain(e: unknown, resource: DeclaredResource): string {
  const message = (e as Error).message ?? String(e);
  if (/Region is missing/.test(message)) {
    return `stack ${resource.stack.stackName} names no region: set AWS_REGION, or a region in your profile (--profile)`;
  }
  if ((e as Error).name === 'CredentialsProviderError') return `no AWS credentials: ${shorten(firstLine(e), SERVICE_TEXT)}; pass --profile, or set the standard AWS_* variables`;
  return message;
}

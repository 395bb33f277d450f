import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import { assumeRole } from '../../lambda/assume-role';
import { ConnectionPreferencesApi, DesiredPreferences } from '../../lambda/connection-preferences-api';
import { Difference, differenceOf, describeDifference, samePreferences } from '../../lambda/converge';
import { readProperties } from '../../lambda/properties';
import { declaredResources, DeclaredResource, resourcesOfType, unresolvedProperty } from './cloud-assembly';

/** What a deploy would do to one ConnectionPreferences, and whether its live state drifted from the last deploy. */
export interface ResourcePlan {
  readonly stack: string;
  readonly resource: string;
  readonly catalog: string;
  /** `unchanged`: live equals declared; `change`: a deploy would write; `error`: could not tell. */
  readonly status: 'unchanged' | 'change' | 'error';
  readonly declared?: Omit<DesiredPreferences, 'catalog'>;
  readonly live?: Omit<DesiredPreferences, 'catalog'> & { readonly revision: number; readonly arn: string };
  /** From live to declared: what a deploy would write. */
  readonly changes?: Difference;
  /** Whether the stack is deployed with this resource in it. */
  readonly deployed?: boolean;
  /** The change made outside the stack since the last deploy (live against the deployed template), if any. */
  readonly drift?: string;
  readonly error?: string;
}

/** Per stack: the Partner Central account to address, for a caller that needs to set credentials. */
export type BeforeStack = (stack: CloudFormationStackArtifact) => void;

/**
 * Reads the live preferences of every ConnectionPreferences in the stacks, with the SDK's standard configuration
 * (credential chain, profile, AWS_ENDPOINT_URL_*), assuming each resource's role where it has one, and compares them
 * with the declared ones and with the deployed template (CloudFormation's drift detection skips custom resources).
 */
export async function planStacks(stacks: CloudFormationStackArtifact[], beforeStack: BeforeStack = () => undefined): Promise<ResourcePlan[]> {
  const plans: ResourcePlan[] = [];
  for (const stack of stacks) {
    const declared = declaredResources(stack);
    if (declared.length === 0) continue;
    beforeStack(stack);
    const deployed = await deployedResources(stack).catch((e: Error) => e);
    for (const resource of declared) {
      plans.push(await planResource(resource, deployed));
    }
  }
  return plans;
}

async function planResource(resource: DeclaredResource, deployed: Record<string, any> | undefined | Error): Promise<ResourcePlan> {
  const base = { stack: resource.stack.stackName, resource: resource.path, catalog: String(resource.properties.Catalog) };
  const unresolved = unresolvedProperty(resource.properties);
  if (unresolved) return { ...base, status: 'error', error: `property ${unresolved} is a Ref or Fn:: that only CloudFormation resolves` };
  if (deployed instanceof Error) return { ...base, status: 'error', error: `reading the deployed template failed: ${deployed.message}` };
  try {
    const settings = readProperties(resource.properties);
    const deadline = Date.now() + 60_000;
    const log = () => undefined;
    const credentials = settings.assumeRoleArn === undefined ? undefined : await assumeRole({
      roleArn: settings.assumeRoleArn, externalId: settings.externalId, sessionName: 'connection-preferences-plan', deadline, log,
    });
    const api = new ConnectionPreferencesApi({ log, deadline, credentials, principal: settings.assumeRoleArn ?? 'your credentials' });
    const live = await api.read(settings.desired.catalog, 1);
    const before = deployed?.[resource.logicalId];
    const deployedDesired = before === undefined ? undefined : readProperties(before).desired;
    const { catalog: _c, ...declared } = settings.desired;
    return {
      ...base,
      status: samePreferences(live, settings.desired) ? 'unchanged' : 'change',
      declared,
      live: { accessType: live.accessType, excludedParticipantIds: live.excludedParticipantIds, revision: live.revision, arn: live.arn },
      changes: differenceOf(live, settings.desired),
      deployed: before !== undefined,
      ...(deployedDesired && !samePreferences(live, deployedDesired) && { drift: describeDifference(deployedDesired, live) }),
    };
  } catch (e) {
    return { ...base, status: 'error', error: (e as Error).message };
  }
}

/** The ConnectionPreferences of the deployed template; undefined when the stack is not deployed. */
async function deployedResources(stack: CloudFormationStackArtifact): Promise<Record<string, any> | undefined> {
  const region = stack.environment.region.startsWith('unknown') ? undefined : stack.environment.region;
  try {
    const { TemplateBody } = await new CloudFormationClient({ region }).send(new GetTemplateCommand({ StackName: stack.stackName, TemplateStage: 'Original' }));
    return resourcesOfType(JSON.parse(TemplateBody!));
  } catch (e: any) {
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) return undefined;
    throw e;
  }
}

/** Terraform's `plan -detailed-exitcode`: 0 nothing to change, 2 changes pending, 1 an error. */
export function exitCodeOf(plans: ResourcePlan[]): number {
  if (plans.some((p) => p.status === 'error')) return 1;
  return plans.some((p) => p.status === 'change') ? 2 : 0;
}

/** The plan for people. */
export function formatPlan(plans: ResourcePlan[]): string {
  const lines: string[] = [];
  for (const plan of plans) {
    const where = plan.live ? `${plan.catalog} catalog of ${plan.live.arn.split(':')[4]}, live revision ${plan.live.revision}` : `${plan.catalog} catalog`;
    lines.push(`${plan.resource}  (${where})`);
    if (plan.status === 'error') lines.push(`  ! error: ${plan.error}`);
    if (plan.status === 'unchanged') lines.push('  = no change');
    const changes = plan.changes;
    if (plan.status === 'change' && changes) {
      if (changes.accessType) lines.push(`  ~ access type: ${changes.accessType.from} → ${changes.accessType.to}`);
      changes.exclusionsAdded.forEach((id) => lines.push(`  + exclude ${id}`));
      changes.exclusionsRemoved.forEach((id) => lines.push(`  - exclude ${id}`));
    }
    if (plan.drift) lines.push(`  ! changed outside the stack since the last deploy: ${plan.drift}`);
    if (plan.status !== 'error' && plan.deployed === false) lines.push('  (not deployed yet: a deploy creates it and adopts the live state)');
  }
  const count = (status: ResourcePlan['status']) => plans.filter((p) => p.status === status).length;
  lines.push('', `Plan: ${count('change')} to change, ${count('unchanged')} unchanged, ${count('error')} errors, `
    + `${plans.filter((p) => p.drift).length} changed outside their stack.`);
  return lines.join('\n');
}

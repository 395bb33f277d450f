import { randomUUID } from 'crypto';
import { isDeepStrictEqual } from 'util';
import { customResourceRequest, isCustomResource, ResourceFailure } from './cloudformation-custom-resource';
import { applyPlain, physicalNameOf } from './cloudformation-plain-resources';
import { creationOrder, dependenciesOf, isTrue, resolve, StackContext, Template } from './cloudformation-template';
import type { FunctionConfiguration, LambdaService } from './lambda';

/** One resource of a stack, as CloudFormation keeps it. */
export interface StackResource {
  LogicalResourceId: string;
  ResourceType: string;
  PhysicalResourceId: string;
  ResourceStatus: string;
  /** The resolved properties it was last created or updated with. */
  Properties: any;
  /** What Fn::GetAtt reads: a custom resource's Data, a function's Arn. */
  Attributes: Record<string, string>;
  LastUpdatedTimestamp: string;
}

export interface StoredStack {
  StackName: string;
  StackId: string;
  Account: string;
  Region: string;
  Template: Template;
  /** The template as it was submitted, which GetTemplate answers: JSON or YAML. */
  TemplateBody?: string;
  StackStatus: string;
  Resources: Record<string, StackResource>;
  /** ISO times, as DescribeStacks answers them. Stacks of state files from before they were kept have no CreationTime. */
  CreationTime?: string;
  /** When the last update began: CloudFormation sets it then, and a rollback does not undo it. Absent until an update. */
  LastUpdatedTime?: string;
}

/** Epoch: the creation time of a stack that was recorded without one and has no resources to tell. */
const UNKNOWN_CREATION_TIME = new Date(0).toISOString();

/**
 * When a stack was created: as recorded, or for a stack from an older state file, the earliest time one of its
 * resources was recorded (no later than the creation), or the epoch. Stable as long as the stack is not updated, and
 * an update keeps what it was then.
 */
export function creationTimeOf(stack: StoredStack): string {
  if (stack.CreationTime) return stack.CreationTime;
  const times = Object.values(stack.Resources).map((r) => r.LastUpdatedTimestamp).filter(Boolean).sort();
  return times[0] ?? UNKNOWN_CREATION_TIME;
}

/** A custom resource request as CloudFormation sends it (without the ResponseURL), and what came of it. */
export interface CustomResourceExchange {
  readonly stackName: string;
  readonly logicalId: string;
  readonly requestType: 'Create' | 'Update' | 'Delete';
  /** The phase of the stack operation that sent it: `update`, `cleanup`, `rollback` or `delete`. */
  readonly phase: string;
  readonly request: Record<string, any>;
  /** The response's size in bytes, when one arrived. */
  responseBytes?: number;
  /** A SUCCESS response's Data: the attributes Fn::GetAtt reads. */
  data?: Record<string, string>;
  status?: 'SUCCESS' | 'FAILED';
  /** Why CloudFormation failed the resource. */
  reason?: string;
}

export type ExchangeObserver = (exchange: CustomResourceExchange, stage: 'before' | 'after') => void;

export interface StackOperationResult {
  readonly status: string;
  /** The failure that decided the outcome: the resource (or output) and CloudFormation's reason. */
  readonly failure?: { readonly logicalId: string; readonly reason: string };
  /** Cleanup or rollback steps that failed after the outcome was decided. */
  readonly laterFailures: { readonly logicalId: string; readonly reason: string }[];
}

/** What a stack operation needs of the CloudFormation service. */
export interface StackOperationServices {
  readonly lambda: LambdaService;
  /** Sends a custom resource request and waits for its response; throws ResourceFailure when CloudFormation would fail it. */
  exchange(stack: StoredStack, exchange: CustomResourceExchange, serviceTimeoutSeconds: number): Promise<{ physicalId: string; data: Record<string, string> }>;
  saved(): void;
  /** Which template the stack shows while a rollback deletes what the failed update created (EmulatorSettings). */
  rollbackCleanupTemplate(): 'attempted' | 'previous';
}

/** One change of the update phase: the resource before (none if created) and after. */
interface Change {
  readonly logicalId: string;
  readonly before?: StackResource;
  readonly after?: StackResource;
  /** The properties of a failed update, which its rollback sends back as OldResourceProperties. */
  readonly attempted?: any;
}

const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

/**
 * One stack operation, in CloudFormation's order. An update creates and updates resources in dependency order, then
 * resolves the outputs; if everything succeeded, the cleanup phase deletes removed and replaced resources, dependents
 * first. If anything failed, the rollback sends updates back (the failed resource included) in reverse order, then
 * deletes what the operation created or replaced, and the stack keeps its previous template.
 */
export class StackOperation {
  readonly laterFailures: { logicalId: string; reason: string }[] = [];
  private readonly context: StackContext;
  private readonly functionsBefore: Map<string, FunctionConfiguration>;

  constructor(
    private readonly services: StackOperationServices,
    private readonly stack: StoredStack,
    private readonly previous: StoredStack | undefined,
    private readonly assemblyDirectory: string,
  ) {
    this.functionsBefore = new Map(services.lambda.functions);
    this.context = {
      account: stack.Account, region: stack.Region, stackName: stack.StackName, stackId: stack.StackId, template: stack.Template,
      physicalIdOf: (id) => stack.Resources[id]?.PhysicalResourceId,
      attributeOf: (id, attribute) => {
        const value = stack.Resources[id]?.Attributes[attribute];
        if (value !== undefined) return value;
        throw new Error(isCustomResource(stack.Resources[id]?.ResourceType ?? '')
          ? `CustomResource attribute error: Vendor response doesn't contain ${attribute} key in object ${stack.StackId}|${id}`
          : `Fn::GetAtt ${id}.${attribute}: the local CloudFormation knows no such attribute`);
      },
    };
  }

  static newStack(stackName: string, account: string, region: string, template: Template): StoredStack {
    return {
      StackName: stackName, Account: account, Region: region, Template: template, StackStatus: 'CREATE_IN_PROGRESS', Resources: {},
      CreationTime: new Date().toISOString(), StackId: `arn:aws:cloudformation:${region}:${account}:stack/${stackName}/${randomUUID()}`,
    };
  }

  /** Creates or updates the stack's resources. The stack is left as CloudFormation would leave it. */
  async deploy(): Promise<StackOperationResult> {
    const kind = this.previous ? 'UPDATE' : 'CREATE';
    this.stack.StackStatus = `${kind}_IN_PROGRESS`;
    if (this.previous) Object.assign(this.stack, { CreationTime: creationTimeOf(this.previous), LastUpdatedTime: new Date().toISOString() });
    const times = { CreationTime: this.stack.CreationTime, LastUpdatedTime: this.stack.LastUpdatedTime };
    const done: Change[] = [];
    const failure = await this.updatePhase(done) ?? this.outputsFailure();
    if (!failure) {
      if (this.previous) this.stack.StackStatus = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await this.cleanUp(done);
      this.stack.StackStatus = `${kind}_COMPLETE`;
      return { status: this.stack.StackStatus, laterFailures: this.laterFailures };
    }
    this.stack.StackStatus = this.previous ? 'UPDATE_ROLLBACK_IN_PROGRESS' : 'ROLLBACK_IN_PROGRESS';
    await this.rollBack(done);
    // The previous template and resources come back; the time of the update that rolled back stays.
    if (this.previous) Object.assign(this.stack, structuredClone(this.previous), times);
    this.stack.StackStatus = this.previous ? `UPDATE_ROLLBACK_${this.laterFailures.length ? 'FAILED' : 'COMPLETE'}` : 'ROLLBACK_COMPLETE';
    return { status: this.stack.StackStatus, failure, laterFailures: this.laterFailures };
  }

  /**
   * Deletes every resource, dependents first. What a resource that failed to delete depends on is kept, as
   * CloudFormation keeps it, so that deleting the stack again can still reach it (a custom resource, its function).
   */
  async delete(): Promise<StackOperationResult> {
    this.stack.StackStatus = 'DELETE_IN_PROGRESS';
    const kept = new Set<string>();
    for (const logicalId of creationOrder(this.stack.Template).reverse()) {
      const resource = this.stack.Resources[logicalId];
      if (!resource) continue;
      if (kept.has(logicalId)) {
        dependenciesOf(this.stack.Template, logicalId).forEach((id) => kept.add(id));
        continue;
      }
      const failures = this.laterFailures.length;
      await this.deleteResource(resource, 'delete');
      if (this.laterFailures.length > failures) dependenciesOf(this.stack.Template, logicalId).forEach((id) => kept.add(id));
    }
    this.stack.StackStatus = this.laterFailures.length ? 'DELETE_FAILED' : 'DELETE_COMPLETE';
    return { status: this.stack.StackStatus, failure: this.laterFailures[0], laterFailures: this.laterFailures };
  }

  private async updatePhase(done: Change[]): Promise<StackOperationResult['failure']> {
    const template = this.stack.Template;
    for (const logicalId of creationOrder(template)) {
      const declared = template.Resources![logicalId];
      const before = this.previous?.Resources[logicalId];
      try {
        if (declared.Condition && !isTrue(declared.Condition, this.context)) continue;
        const properties = resolve(declared.Properties ?? {}, this.context);
        if (before?.ResourceType === declared.Type && isDeepStrictEqual(before.Properties, properties)) continue;
        done.push({ logicalId, before, after: await this.apply(logicalId, declared.Type, properties, before) });
      } catch (e) {
        const failure = e as ResourceFailure & { attempted?: any };
        const failedCreate = !before && failure.physicalResourceId ? this.record(logicalId, declared.Type, failure.physicalResourceId, failure.attempted, {}) : undefined;
        done.push({ logicalId, before, after: failedCreate, attempted: failure.attempted });
        return { logicalId, reason: failure.message };
      }
    }
    return undefined;
  }

  private outputsFailure(): StackOperationResult['failure'] {
    for (const [name, output] of Object.entries(this.stack.Template.Outputs ?? {})) {
      try {
        if (!output.Condition || isTrue(output.Condition, this.context)) resolve(output.Value, this.context);
      } catch (e) {
        return { logicalId: name, reason: (e as Error).message };
      }
    }
    return undefined;
  }

  /** Creates or updates one resource and records it in the stack. */
  private async apply(logicalId: string, type: string, properties: any, before: StackResource | undefined): Promise<StackResource> {
    const kind = before ? 'UPDATE' : 'CREATE';
    this.stack.Resources[logicalId] = { ...before ?? this.record(logicalId, type, '', properties, {}), ResourceStatus: `${kind}_IN_PROGRESS` };
    let after: StackResource;
    try {
      if (isCustomResource(type)) {
        const { physicalId, data } = await this.send(before ? 'Update' : 'Create', 'update', logicalId, type, properties, before);
        after = this.record(logicalId, type, physicalId, properties, data);
      } else {
        after = this.record(logicalId, type, before?.PhysicalResourceId ?? physicalNameOf(this.stack.StackName, logicalId, type, properties), properties, {});
        after.Attributes = applyPlain(after, {
          lambda: this.services.lambda, account: this.stack.Account, region: this.stack.Region, assemblyDirectory: this.assemblyDirectory,
          assetPath: this.stack.Template.Resources![logicalId].Metadata?.['aws:asset:path'],
        });
      }
    } catch (e) {
      this.stack.Resources[logicalId] = { ...this.stack.Resources[logicalId], ResourceStatus: `${kind}_FAILED` };
      throw Object.assign(e as Error, { attempted: properties });
    }
    after.ResourceStatus = `${kind}_COMPLETE`;
    this.stack.Resources[logicalId] = after;
    this.services.saved();
    return after;
  }

  /** Updates back in reverse order (the failed resource included), then deletes what was created or replaced. */
  private async rollBack(done: Change[]): Promise<void> {
    for (const { logicalId, before, after, attempted } of [...done].reverse()) {
      if (!before || !isCustomResource(before.ResourceType) || (after && after.PhysicalResourceId !== before.PhysicalResourceId)) continue;
      await this.send('Update', 'rollback', logicalId, before.ResourceType, before.Properties, { ...before, Properties: attempted ?? after!.Properties })
        .catch((e: Error) => this.laterFailures.push({ logicalId, reason: e.message }));
    }
    if (this.previous) {
      this.stack.StackStatus = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
      if (this.services.rollbackCleanupTemplate() === 'previous') Object.assign(this.stack, { Template: this.previous.Template, TemplateBody: this.previous.TemplateBody });
    }
    for (const { before, after } of [...done].reverse()) {
      if (after && (!before || after.PhysicalResourceId !== before.PhysicalResourceId)) await this.deleteResource(after, 'rollback');
      else if (before?.ResourceType === 'AWS::Lambda::Function') this.services.lambda.restoreFunction(this.functionsBefore.get(before.PhysicalResourceId)!);
    }
  }

  /** Deletes, dependents first, the resources the template no longer has and the old instances of replaced ones. */
  private async cleanUp(done: Change[]): Promise<void> {
    if (!this.previous) return;
    for (const logicalId of creationOrder(this.previous.Template).reverse()) {
      const old = this.previous.Resources[logicalId];
      const replaced = done.some((c) => c.logicalId === logicalId && c.before && c.after?.PhysicalResourceId !== c.before.PhysicalResourceId);
      if (old && (replaced || !(logicalId in this.stack.Template.Resources!))) await this.deleteResource(old, 'cleanup', replaced);
    }
  }

  private async deleteResource(resource: StackResource, phase: string, replaced = false): Promise<void> {
    const { LogicalResourceId: logicalId, ResourceType: type } = resource;
    const setStatus = (status: string) => {
      if (!replaced) this.stack.Resources[logicalId] = { ...resource, ResourceStatus: status };
    };
    setStatus('DELETE_IN_PROGRESS');
    try {
      if (isCustomResource(type)) await this.send('Delete', phase, logicalId, type, resource.Properties, resource);
      else if (type === 'AWS::Lambda::Function') this.services.lambda.deleteFunction(resource.PhysicalResourceId);
      if (!replaced) delete this.stack.Resources[logicalId];
    } catch (e) {
      setStatus('DELETE_FAILED');
      this.laterFailures.push({ logicalId, reason: (e as Error).message });
    }
    this.services.saved();
  }

  /** Sends CloudFormation's request to a custom resource and waits for the response. */
  private send(requestType: CustomResourceExchange['requestType'], phase: string, logicalId: string, resourceType: string, properties: any, before?: StackResource) {
    const request = customResourceRequest({
      requestType, stackId: this.stack.StackId, logicalId, resourceType, properties,
      physicalResourceId: before?.PhysicalResourceId, oldProperties: before?.Properties,
    });
    const given = properties.ServiceTimeout ?? DEFAULT_SERVICE_TIMEOUT_SECONDS;
    const serviceTimeout = typeof given === 'number' || (typeof given === 'string' && /^\d+$/.test(given)) ? Number(given) : NaN;
    if (!Number.isInteger(serviceTimeout) || serviceTimeout < 1 || serviceTimeout > DEFAULT_SERVICE_TIMEOUT_SECONDS) {
      // Named as JSON and cut short, as a validation message of CloudFormation's is: a value may be any size.
      const value = JSON.stringify(given) ?? String(given);
      return Promise.reject(new ResourceFailure(`ServiceTimeout ${value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value} is not a whole number of seconds from 1 to 3600.`));
    }
    return this.services.exchange(this.stack, { stackName: this.stack.StackName, logicalId, requestType, phase, request }, serviceTimeout);
  }

  private record(logicalId: string, type: string, physicalId: string, properties: any, attributes: Record<string, string>): StackResource {
    return {
      LogicalResourceId: logicalId, ResourceType: type, PhysicalResourceId: physicalId, ResourceStatus: 'CREATE_COMPLETE',
      Properties: properties, Attributes: attributes, LastUpdatedTimestamp: new Date().toISOString(),
    };
  }
}

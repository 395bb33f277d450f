import { appendFileSync, cpSync, mkdirSync } from 'fs';
import { isDeepStrictEqual } from 'util';
import * as path from 'path';
import type { CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import type { ConnectionPreferencesResponse } from '../../lambda';
import { accountOfRoleArn } from '../../lib/preference-rules';
import type { ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';
import { DeployedStack, PartnerCentralEmulator } from '../../emulator/partner-central-emulator';
import {
  constructPathOf, declaredResources, emulatedEnvironmentOf, handlerOf, HandlerInAssembly, resourcesOfType, stacksOf, unresolvedProperty,
} from './cloud-assembly';
import { describePreferences } from './describe';
import { invokeInLambdaProcess } from './lambda-process';
import { EventOrigin, providerEvent, ResourceRequest } from './provider-event';

export interface LocalDeployOptions {
  /** The synthesized cloud assembly. */
  readonly assemblyDir: string;
  /** Where the emulator's state, the deployed handlers and the handler's log are kept between runs. */
  readonly stateDir: string;
  readonly print: (line: string) => void;
}

/** Where the handler code of each deploy is kept, as Lambda keeps a function's code. */
const HANDLERS_DIR = 'handlers';

/**
 * Deploys every ConnectionPreferences of a cloud assembly to the local emulator, playing CloudFormation's and the
 * Provider framework's parts: the bundled handler from the assembly receives Create, Update (with the properties of
 * the last local deploy) or Delete (for resources that left the template), exactly as the framework would send them;
 * resources whose properties did not change are not invoked, as CloudFormation would not. A failed stack is rolled
 * back. Returns whether every stack deployed.
 */
export async function deployLocally(options: LocalDeployOptions): Promise<boolean> {
  mkdirSync(options.stateDir, { recursive: true });
  const emulator = new PartnerCentralEmulator({}, path.join(options.stateDir, 'state.json'));
  const url = await emulator.start();
  try {
    const stacks = stacksOf(options.assemblyDir).filter((s) => Object.keys(resourcesOfType(s.template)).length > 0 || emulator.deployedStack(s.stackName));
    let ok = true;
    for (const stack of stacks) {
      ok = await new StackDeployment(emulator, url, options, stack.stackName, stack).run() && ok;
    }
    const gone = emulator.deployedStackNames().filter((name) => !stacks.some((s) => s.stackName === name));
    for (const stackName of gone) {
      ok = await new StackDeployment(emulator, url, options, stackName, undefined).run() && ok;
    }
    if (stacks.length + gone.length === 0) options.print('No ConnectionPreferences in the app, and none deployed before: nothing to do.');
    return ok;
  } finally {
    await emulator.stop();
  }
}

/** One stack's deploy: creates and updates first, then deletes in the cleanup phase, as CloudFormation orders them. */
class StackDeployment {
  private readonly previous?: DeployedStack;
  private readonly account: string;
  private readonly region: string;
  private readonly env: Record<string, string>;
  private readonly physicalIds: Record<string, string>;
  private readonly origin: EventOrigin;

  constructor(
    private readonly emulator: PartnerCentralEmulator,
    private readonly emulatorUrl: string,
    private readonly options: LocalDeployOptions,
    private readonly stackName: string,
    /** Undefined when the stack left the app: every resource it had is deleted. */
    private readonly stack: CloudFormationStackArtifact | undefined,
  ) {
    this.previous = emulator.deployedStack(stackName);
    ({ account: this.account, region: this.region, env: this.env } = emulatedEnvironmentOf(stack ?? { environment: { account: '', region: 'unknown' } }));
    this.physicalIds = { ...this.previous?.physicalIds };
    this.origin = {
      stackId: `arn:aws:cloudformation:${this.region}:${this.account}:stack/${stackName}/local`,
      serviceToken: `arn:aws:lambda:${this.region}:${this.account}:function:local-provider-framework`,
      responseUrl: 'https://local-deploy.invalid/response',
    };
  }

  async run(): Promise<boolean> {
    this.options.print(`${this.stackName} (account ${this.account}, region ${this.region})${this.stack ? '' : ': removed from the app'}`);
    const declared = this.stack ? declaredResources(this.stack) : [];
    // One provider serves the stack; after the update phase, every event goes to the handler now deployed.
    const handler = declared.length > 0 ? handlerOf(declared[0]) : this.previous?.handler;
    if (!handler) throw new Error(`no handler was kept for ${this.stackName}`);
    const before = new Map(Object.entries(resourcesOfType(this.previous?.template)));
    const done: { request: ResourceRequest; physicalId: string }[] = [];
    let ok = true;

    for (const resource of declared) {
      const old = before.get(resource.logicalId);
      const label = this.label(this.stack!.template, resource.logicalId);
      const unresolved = unresolvedProperty(resource.properties);
      if (unresolved) return this.fail(label, `property ${unresolved} is a Ref or Fn:: that only CloudFormation can resolve`, done, handler);
      if (old && isDeepStrictEqual(old, resource.properties)) {
        this.options.print(`  ${label}: no change (not invoked)`);
        this.options.print(`    live    ${this.live(resource.properties)}`);
        continue;
      }
      const request: ResourceRequest = old
        ? { type: 'Update', logicalId: resource.logicalId, properties: resource.properties, oldProperties: old, physicalResourceId: this.physicalIds[resource.logicalId] }
        : { type: 'Create', logicalId: resource.logicalId, properties: resource.properties };
      try {
        const response = await this.invoke(label, request, handler);
        this.physicalIds[resource.logicalId] = response.PhysicalResourceId!;
        done.push({ request, physicalId: response.PhysicalResourceId! });
      } catch (e) {
        return this.fail(label, (e as Error).message, done, handler);
      }
    }

    for (const [logicalId, properties] of before) {
      if (declared.some((r) => r.logicalId === logicalId)) continue;
      try {
        await this.invoke(this.label(this.previous!.template, logicalId), { type: 'Delete', logicalId, properties, physicalResourceId: this.physicalIds[logicalId] }, handler);
      } catch (e) {
        // CloudFormation goes on with the cleanup when a Delete fails there, and so does this; the run still fails.
        this.options.print(`    failed  ${(e as Error).message}`);
        ok = false;
      }
      delete this.physicalIds[logicalId];
    }

    this.emulator.putStack(this.stackName, declared.length > 0
      ? { template: this.stack!.template, physicalIds: this.physicalIds, handler: this.keepHandler(handler) }
      : undefined);
    return ok;
  }

  /** Prints the failure and rolls back what this stack changed, in reverse, as CloudFormation would. */
  private async fail(label: string, reason: string, done: { request: ResourceRequest; physicalId: string }[], handler: HandlerInAssembly): Promise<boolean> {
    this.options.print(`  ${label}: FAILED`);
    this.options.print(`    reason  ${reason}`);
    for (const { request, physicalId } of done.reverse()) {
      const { logicalId } = request;
      const rollback: ResourceRequest = request.type === 'Update'
        ? { type: 'Update', logicalId, properties: request.oldProperties, oldProperties: request.properties, physicalResourceId: physicalId }
        : { type: 'Delete', logicalId, properties: request.properties, physicalResourceId: physicalId };
      try {
        await this.invoke(`${this.label(this.stack!.template, logicalId)} (rollback)`, rollback, handler);
      } catch (e) {
        this.options.print(`    rollback failed  ${(e as Error).message}`);
      }
    }
    return false;
  }

  /**
   * Calls the handler as the Provider framework does (a fresh process with the function's timeout, the emulator as
   * its AWS, the stack's account's credentials), and prints the live state around the call.
   */
  private async invoke(label: string, request: ResourceRequest, handler: HandlerInAssembly): Promise<ConnectionPreferencesResponse> {
    const event = providerEvent(this.origin, request);
    const properties = request.properties;
    this.options.print(`  ${label}: ${request.type.toLowerCase()}`);
    this.options.print(`    before  ${this.live(properties)}`);
    const callsBefore = this.emulator.calls.length;
    const { AWS_PROFILE: _profile, AWS_SESSION_TOKEN: _token, ...env } = process.env;
    try {
      const response = await invokeInLambdaProcess<ConnectionPreferencesResponse>({
        file: handler.file,
        exportName: handler.exportName,
        event,
        remainingMs: handler.timeoutSeconds * 1000,
        env: {
          ...env,
          ...this.env,
          AWS_ENDPOINT_URL_PARTNERCENTRAL_ACCOUNT: this.emulatorUrl,
          AWS_ENDPOINT_URL_STS: this.emulatorUrl,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        onLog: (chunk) => appendFileSync(path.join(this.options.stateDir, 'handler.log'), chunk),
      });
      // The framework's rules for the physical id.
      if (event.RequestType === 'Delete' && response.PhysicalResourceId && response.PhysicalResourceId !== event.PhysicalResourceId) {
        throw new Error(`DELETE: cannot change the physical resource ID from "${event.PhysicalResourceId}" to "${response.PhysicalResourceId}"`);
      }
      return { ...response, PhysicalResourceId: response.PhysicalResourceId ?? (event.RequestType === 'Create' ? event.RequestId : event.PhysicalResourceId) };
    } finally {
      const calls = this.emulator.calls.slice(callsBefore).map((c) => `${c.operation} ${c.status || 'dropped'}`);
      this.options.print(`    calls   ${calls.join(', ') || 'none'}`);
      this.options.print(`    after   ${this.live(properties)}`);
    }
  }

  /** A resource's construct path within its stack. */
  private label(template: any, logicalId: string): string {
    return constructPathOf(template, logicalId).replace(new RegExp(`^${this.stackName}/`), '');
  }

  /** The preferences a resource targets, read from the emulator's store without an API call. */
  private live(properties: ConnectionPreferencesResourceProperties): string {
    const account = (properties.AssumeRoleArn && accountOfRoleArn(properties.AssumeRoleArn)) || this.account;
    const document = this.emulator.preferences(account, properties.Catalog);
    return `${describePreferences({ accessType: document.AccessType, excludedParticipantIds: document.ExcludedParticipantIds, revision: document.Revision })}`
      + ` in the ${properties.Catalog} catalog of ${account}`;
  }

  /** Copies the handler's asset folder out of the assembly, which the next synth replaces. */
  private keepHandler(handler: HandlerInAssembly): HandlerInAssembly {
    const assetDir = path.dirname(handler.file);
    const kept = path.resolve(this.options.stateDir, HANDLERS_DIR, path.basename(assetDir));
    cpSync(assetDir, kept, { recursive: true });
    return { ...handler, file: path.join(kept, path.basename(handler.file)) };
  }

}

import { mkdirSync } from 'fs';
import type { CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import type { CustomResourceExchange, StackOperationResult } from '../../emulator/cloudformation';
import { Emulator } from '../../emulator/emulator';
import { NODE_OF_RUNTIME } from '../../emulator/lambda-runtimes';
import { accountOfRoleArn } from '../../lib/preference-rules';
import { RESOURCE_TYPE } from '../../lib/resource-properties';
import { constructPathOf, emulatedEnvironmentOf, resourcesOfType, stacksOf } from './cloud-assembly';
import { describePreferences } from './describe';

export interface LocalDeployOptions {
  /** The synthesized cloud assembly. */
  readonly assemblyDir: string;
  /** Where the emulator keeps its state between runs: documents, stacks, functions with their code, and logs. */
  readonly stateDir: string;
  readonly print: (line: string) => void;
}

/**
 * Deploys the stacks of a cloud assembly that hold ConnectionPreferences (and deletes those that left it) to the
 * emulator's CloudFormation, which runs them as AWS would: aws-cdk-lib's Provider framework from the assembly, in the
 * local Lambda, invokes the handler from the assembly, which calls the emulated Partner Central with the real SDK.
 * Prints, for every custom resource request, the live preferences before and after and the calls made. Returns
 * whether every stack operation completed.
 */
export async function deployLocally(options: LocalDeployOptions): Promise<boolean> {
  mkdirSync(options.stateDir, { recursive: true });
  const emulator = new Emulator({}, options.stateDir);
  await emulator.start();
  try {
    const deployed = (stack: CloudFormationStackArtifact) => {
      const { account, region } = emulatedEnvironmentOf(stack);
      return emulator.cloudFormation.stack(account, region, stack.stackName);
    };
    const stacks = stacksOf(options.assemblyDir).filter((s) => Object.keys(resourcesOfType(s.template)).length > 0 || deployed(s));
    const gone = [...emulator.cloudFormation.stacks.values()].filter((d) => !stacks.some((s) => deployed(s) === d));
    if (stacks.length + gone.length === 0) options.print('No ConnectionPreferences in the app, and none deployed before: nothing to do.');
    let ok = true;
    for (const stack of stacks) {
      const { account, region } = emulatedEnvironmentOf(stack);
      ok = await new StackReport(emulator, options, { account, region, stackName: stack.stackName }, stack).run() && ok;
    }
    for (const stack of gone) {
      ok = await new StackReport(emulator, options, { account: stack.Account, region: stack.Region, stackName: stack.StackName }, undefined).run() && ok;
    }
    const offRuntime = emulator.lambda.invocations.some((i) => !i.nodeMatchesRuntime);
    if (offRuntime) {
      options.print(`\nNote: functions ran on this machine's Node ${process.version}, not their runtime's (${Object.keys(NODE_OF_RUNTIME).join(', ')}): `
        + 'run \'npm run lambda-node\' to install it.');
    }
    return ok;
  } finally {
    await emulator.stop();
  }
}

/** One stack's operation, printed as it goes: each custom resource request with the live state around it. */
class StackReport {
  private readonly account: string;
  private readonly region: string;
  private readonly stackName: string;
  /** The template last deployed: it names the resources that this run deletes. */
  private readonly previousTemplate?: any;
  private callsBefore = 0;

  constructor(
    private readonly emulator: Emulator,
    private readonly options: LocalDeployOptions,
    where: { account: string; region: string; stackName: string },
    /** Undefined when the stack left the app: it is deleted. */
    private readonly stack: CloudFormationStackArtifact | undefined,
  ) {
    ({ account: this.account, region: this.region, stackName: this.stackName } = where);
    this.previousTemplate = emulator.cloudFormation.stack(this.account, this.region, this.stackName)?.Template;
  }

  async run(): Promise<boolean> {
    const print = this.options.print;
    print(`${this.stackName} (account ${this.account}, region ${this.region})${this.stack ? '' : ': removed from the app'}`);
    const invoked = new Set<string>();
    this.emulator.cloudFormation.observer = (exchange, stage) => {
      invoked.add(exchange.logicalId);
      if (stage === 'before') this.before(exchange); else this.after(exchange);
    };
    const cloudFormation = this.emulator.cloudFormation;
    const result = this.stack
      ? await cloudFormation.deploy({ stackName: this.stackName, template: this.stack.template, account: this.account, region: this.region, assemblyDirectory: this.stack.assembly.directory })
      : await cloudFormation.deleteStack(this.account, this.region, this.stackName);
    cloudFormation.observer = undefined;
    for (const [logicalId, properties] of Object.entries(resourcesOfType(this.stack?.template))) {
      if (invoked.has(logicalId) || result.failure) continue;
      print(`  ${this.label(logicalId)}: no change (not invoked)`);
      print(`    live    ${this.live(properties)}`);
    }
    return this.outcome(result);
  }

  private before(exchange: CustomResourceExchange): void {
    const phase = exchange.phase === 'rollback' ? ' (rollback)' : '';
    this.options.print(`  ${this.label(exchange.logicalId)}${phase}: ${exchange.requestType.toLowerCase()}`);
    this.options.print(`    before  ${this.live(exchange.request.ResourceProperties)}`);
    this.callsBefore = this.emulator.calls.length;
  }

  private after(exchange: CustomResourceExchange): void {
    // The framework's Invoke of the handler is the transport, not a call the handler made.
    const calls = this.emulator.calls.slice(this.callsBefore).filter((c) => c.service !== 'lambda').map((c) => `${c.operation} ${c.status || 'dropped'}`);
    this.options.print(`    calls   ${calls.join(', ') || 'none'}`);
    this.options.print(`    after   ${this.live(exchange.request.ResourceProperties)}`);
    if (exchange.status === 'FAILED') {
      this.options.print(`  ${this.label(exchange.logicalId)}: FAILED`);
      this.options.print(`    reason  ${exchange.reason!.trim().split('\n').filter(Boolean).join('\n            ')}`);
    }
  }

  private outcome(result: StackOperationResult): boolean {
    const completed = /_COMPLETE$/.test(result.status) && !/ROLLBACK/.test(result.status) && result.laterFailures.length === 0;
    if (!completed) {
      const failures = [result.failure, ...result.laterFailures].filter((f) => f !== undefined);
      this.options.print(`  stack ${result.status}${failures.length ? `: ${failures.map((f) => f.logicalId).join(', ')} failed` : ''}`);
      if (result.failure && !this.isConnectionPreferences(result.failure.logicalId)) this.options.print(`    reason  ${result.failure.reason}`);
    }
    return completed;
  }

  private isConnectionPreferences(logicalId: string): boolean {
    return this.templateDeclaring(logicalId)?.Resources[logicalId].Type === RESOURCE_TYPE;
  }

  /** A resource's construct path within its stack. */
  private label(logicalId: string): string {
    const template = this.templateDeclaring(logicalId);
    return (template ? constructPathOf(template, logicalId) : logicalId).replace(new RegExp(`^${this.stackName}/`), '');
  }

  private templateDeclaring(logicalId: string): any {
    return [this.stack?.template, this.previousTemplate].find((t) => t?.Resources?.[logicalId]);
  }

  /** The preferences a resource targets, read from the emulator's store without an API call. */
  private live(properties: { Catalog: string; AssumeRoleArn?: string }): string {
    const account = (properties.AssumeRoleArn && accountOfRoleArn(properties.AssumeRoleArn)) || this.account;
    const document = this.emulator.preferences(account, properties.Catalog);
    return `${describePreferences({ accessType: document.AccessType, excludedParticipantIds: document.ExcludedParticipantIds, revision: document.Revision })}`
      + ` in the ${properties.Catalog} catalog of ${account}`;
  }
}

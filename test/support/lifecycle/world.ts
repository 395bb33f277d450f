import { readFileSync } from 'fs';
import * as path from 'path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CustomResourceExchange, StackOperationResult } from '../../../emulator/cloudformation';
import { Emulator, type Preferences } from '../../../emulator/emulator';
import { AccessType, ConnectionPreferences } from '../../../lib';
import { RESOURCE_TYPE } from '../../../lib/resource-properties';
import { acceptable } from '../hostile-inputs';
import { synthesizeApp } from '../synth';
import type { Declaration, SlotChange, StackName, StepFault, Target } from './steps';

export const REGION = 'eu-west-1';
const ROLE_NAME = 'PartnerCentralConnectionPreferencesAccess';
const SLOTS = 3;

/** What one custom resource exchange did, as seen from outside the chain. */
export interface ObservedExchange {
  readonly exchange: CustomResourceExchange;
  /** Indexes into the emulator's calls and writes: what happened while CloudFormation waited for this response. */
  readonly calls: [number, number];
  readonly writes: [number, number];
  /** The live document of every target when the response arrived. */
  readonly liveAfter: Record<string, Preferences & { Revision: number }>;
  /** Custom resources of the stack when the response arrived: physical id by logical id. */
  readonly resourcesAfter: Record<string, string>;
}

/**
 * One synthesized app (synth is the slow part), turned into a template for any set of declarations: the framework's
 * resources as synthesized, and up to three copies of the ConnectionPreferences resource with other properties and
 * logical ids. The declaration rides along in the resource's metadata, so what a stack holds can be read back.
 */
export class TemplateFactory {
  static synthesize(): TemplateFactory {
    const assembly = synthesizeApp({ Base: (stack: Stack) => new ConnectionPreferences(stack, 'Prefs', { accessType: AccessType.DENY_ALL, removalPolicy: RemovalPolicy.DESTROY }) });
    return new TemplateFactory(assembly, JSON.parse(readFileSync(path.join(assembly, 'Base.template.json'), 'utf8')));
  }

  /** The assembly's template file, which plan reads. */
  get templateFile(): string {
    return 'Base.template.json';
  }

  private readonly resource: any;
  private readonly others: Record<string, any>;
  /** Parameters and rules, as synthesized. */
  private readonly rest: Record<string, unknown>;

  private constructor(readonly assemblyDirectory: string, template: any) {
    const [id] = Object.entries(template.Resources).find(([, r]: [string, any]) => r.Type === RESOURCE_TYPE)!;
    const { [id]: resource, ...others } = template.Resources;
    const { Resources: _, ...rest } = template;
    this.resource = resource;
    this.others = others;
    this.rest = rest;
  }

  /** A hostile slot's declaration, when the rules accept its properties, is kept in its metadata like the others. */
  template(declared: (Declaration | undefined)[], accounts: Record<Target, string>, hostile?: Hostile): any {
    const resources: Record<string, any> = { ...structuredClone(this.others) };
    declared.forEach((declaration, slot) => {
      if (hostile?.slot === slot) {
        // As a hand-edited template would hold them: whatever keys and values, after the ServiceToken. Spliced as JSON
        // text, so that a "__proto__" key stays an own key, as it is in a template.
        const head = JSON.stringify({ ServiceToken: this.resource.Properties.ServiceToken, ServiceTimeout: this.resource.Properties.ServiceTimeout }).slice(0, -1);
        const body = JSON.stringify(hostile.properties).slice(1);
        const properties = JSON.parse(body === '}' ? `${head}}` : `${head},${body}`);
        resources[`Prefs${slot}`] = { ...structuredClone(this.resource), Metadata: { 'lifecycle:declaration': declarationOf(hostile.properties) }, Properties: properties };
        return;
      }
      if (!declaration) return;
      resources[logicalIdOf(slot, declaration)] = {
        ...structuredClone(this.resource),
        Metadata: { 'lifecycle:declaration': declaration },
        Properties: { ...this.resource.Properties, ...propertiesOf(declaration, accounts) },
      };
    });
    return { ...structuredClone(this.rest), Resources: resources };
  }
}

export interface Hostile { readonly slot: number; readonly properties: Record<string, unknown> }

/**
 * What hostile properties declare, when the rules accept them (test/support/hostile-inputs.ts) and CloudFormation
 * accepts their ServiceTimeout (a whole number of seconds from 1 to 3600, as a number or digits).
 */
export function declarationOf(properties: Record<string, any>): Declaration | undefined {
  const timeout = properties.ServiceTimeout;
  const seconds = typeof timeout === 'number' || (typeof timeout === 'string' && /^\d+$/.test(timeout)) ? Number(timeout) : NaN;
  const timeoutValid = timeout === undefined || (Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600);
  if (!acceptable(properties) || !timeoutValid) return undefined;
  return {
    target: 'own', catalog: properties.Catalog, accessType: properties.AccessType, excluded: properties.ExcludedParticipantIdentifiers ?? [],
    removalPolicy: properties.RemovalPolicy ?? 'retain', driftPolicy: properties.DriftPolicy ?? 'overwrite', moved: false,
  };
}

const logicalIdOf = (slot: number, declaration: Pick<Declaration, 'moved'>) => `${declaration.moved ? 'Moved' : ''}Prefs${slot}`;

function propertiesOf(declaration: Declaration, accounts: Record<Target, string>): Record<string, unknown> {
  return {
    Catalog: declaration.catalog,
    AccessType: declaration.accessType,
    ...(declaration.excluded.length > 0 && { ExcludedParticipantIdentifiers: declaration.excluded }),
    RemovalPolicy: declaration.removalPolicy,
    DriftPolicy: declaration.driftPolicy,
    ...(declaration.target === 'other' && { AssumeRoleArn: `arn:aws:iam::${accounts.other}:role/${ROLE_NAME}` }),
  };
}

export const targetKey = (account: string, catalog: string) => `${account}/${catalog}`;

/** The emulator of one sequence (or of one worker, reused with fresh accounts), and the two stacks' deploys. */
export class World {
  observed: ObservedExchange[] = [];
  private accountsMade = 0;
  accounts: Record<Target, string> = { own: '', other: '' };

  constructor(readonly emulator: Emulator, readonly templates: TemplateFactory, private readonly accountBase: number) {
    emulator.cloudFormation.observer = (exchange, stage) => this.observe(exchange, stage);
  }

  /** Fresh accounts and a forgetful emulator for a new sequence: nothing of an earlier one is seen, or kept in memory. */
  newSequence(): void {
    this.accountsMade += 2;
    const own = String(this.accountBase + this.accountsMade);
    this.accounts = { own, other: String(this.accountBase + this.accountsMade + 1) };
    const { emulator } = this;
    emulator.reset();
    emulator.lambda.clearFaults();
    emulator.lambda.invocations.length = 0;
    emulator.lambda.logs.clear();
    emulator.lambda.functions.clear();
    emulator.cloudFormation.stacks.clear();
    emulator.cloudFormation.exchanges.length = 0;
    this.observed = [];
  }

  get targets(): string[] {
    return Object.values(this.accounts).flatMap((account) => ['AWS', 'Sandbox'].map((catalog) => targetKey(account, catalog)));
  }

  live(key: string) {
    const [account, catalog] = key.split('/');
    const { AccessType, ExcludedParticipantIds, Revision } = this.emulator.preferences(account, catalog);
    return { AccessType, ExcludedParticipantIds, Revision };
  }

  stackName(stack: StackName): string {
    return `${stack}${this.accounts.own}`;
  }

  /** The declarations a stack holds now, by slot: what CloudFormation kept after the last operation. */
  held(stack: StackName): (Declaration | undefined)[] {
    const stored = this.emulator.cloudFormation.stack(this.accounts.own, REGION, this.stackName(stack));
    return Array.from({ length: SLOTS }, (_, slot) => {
      const resource = Object.entries(stored?.Template.Resources ?? {}).find(([id]) => id.endsWith(`Prefs${slot}`))?.[1];
      return resource?.Metadata?.['lifecycle:declaration'];
    });
  }

  /** The declarations after applying `changes` to what the stack holds; a second resource for one target is dropped, as synth would refuse it. */
  declarations(stack: StackName, changes: SlotChange[]): (Declaration | undefined)[] {
    const held = this.held(stack);
    const seen = new Set<string>();
    return Array.from({ length: SLOTS }, (_, slot) => {
      const change = changes[slot] ?? (stack === 'Other' ? 'remove' : 'keep');
      const declaration = change === 'keep' ? held[slot] : change === 'remove' ? undefined : change;
      if (!declaration) return undefined;
      const key = `${declaration.target}/${declaration.catalog}`;
      if (seen.has(key)) return undefined;
      seen.add(key);
      return declaration;
    });
  }

  deploy(stack: StackName, declared: (Declaration | undefined)[], hostile?: Hostile): Promise<StackOperationResult> {
    return this.emulator.cloudFormation.deploy({
      stackName: this.stackName(stack), template: this.templates.template(declared, this.accounts, hostile),
      account: this.accounts.own, region: REGION, assemblyDirectory: this.templates.assemblyDirectory,
    });
  }

  deleteStack(stack: StackName): Promise<StackOperationResult> {
    return this.emulator.cloudFormation.deleteStack(this.accounts.own, REGION, this.stackName(stack));
  }

  writeOutside(target: Target, catalog: string, preferences: Pick<Declaration, 'accessType' | 'excluded'>): void {
    this.emulator.writeOutside(this.accounts[target], catalog, { AccessType: preferences.accessType, ExcludedParticipantIds: preferences.excluded });
  }

  inject(fault: StepFault): void {
    if (fault.kind === 'lost-invoke-answer') this.emulator.lambda.inject({ kind: 'lose-answer', count: fault.count });
    else if (fault.kind === 'competing-write') {
      this.emulator.inject({ kind: fault.kind, count: fault.count, competingPreferences: { AccessType: fault.competitor.accessType, ExcludedParticipantIds: fault.competitor.excluded } });
    } else this.emulator.inject({ ...fault });
  }

  clearFaults(): void {
    this.emulator.clearFaults();
    this.emulator.lambda.clearFaults();
  }

  private pending = new Map<CustomResourceExchange, { calls: number; writes: number }>();

  private observe(exchange: CustomResourceExchange, stage: 'before' | 'after'): void {
    if (!exchange.stackName.endsWith(this.accounts.own)) return;
    if (stage === 'before') {
      this.pending.set(exchange, { calls: this.emulator.calls.length, writes: this.emulator.writes.length });
      return;
    }
    const start = this.pending.get(exchange)!;
    this.pending.delete(exchange);
    const stored = this.emulator.cloudFormation.stack(this.accounts.own, REGION, exchange.stackName);
    this.observed.push({
      exchange,
      calls: [start.calls, this.emulator.calls.length],
      writes: [start.writes, this.emulator.writes.length],
      liveAfter: Object.fromEntries(this.targets.map((key) => [key, this.live(key)])),
      resourcesAfter: Object.fromEntries(Object.values(stored?.Resources ?? {})
        .filter((r) => r.ResourceType === RESOURCE_TYPE && !r.ResourceStatus.startsWith('DELETE_')).map((r) => [r.LogicalResourceId, r.PhysicalResourceId])),
    });
  }
}

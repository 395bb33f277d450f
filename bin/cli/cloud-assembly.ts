import { existsSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import { CloudAssembly, CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import { credentialsOfAccount, DEFAULT_ACCOUNT } from '../../emulator/emulator';
import { ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';
import { constructPathOf, resourcesOfType } from '../../lambda/template-resources';
import { firstLine, InputError } from './input-error';

export { constructPathOf, resourcesOfType } from '../../lambda/template-resources';

/** One ConnectionPreferences as a synthesized template declares it. */
export interface DeclaredResource {
  readonly stack: CloudFormationStackArtifact;
  readonly logicalId: string;
  /** The construct path, for people. */
  readonly path: string;
  /** The resource's properties without the ServiceToken: what the handler receives, less the framework's part. */
  readonly properties: ConnectionPreferencesResourceProperties;
}

/** A cloud assembly's stacks, and the ConnectionPreferences they declare, in declaration order. */
export interface Assembly {
  readonly stacks: CloudFormationStackArtifact[];
  readonly resources: DeclaredResource[];
}

/**
 * Reads a cloud assembly for plan, and refuses one it cannot trust: a missing or unreadable folder, manifest or
 * template, or a template that is not one, is an InputError naming the file and what to do (`whatToDo`: how this
 * run got its assembly, and so how to get a good one). An assembly without ConnectionPreferences is no error.
 */
export function readAssembly(dir: string, whatToDo: string): Assembly {
  if (!existsSync(dir)) throw new InputError(`no cloud assembly at ${dir}: ${whatToDo}`);
  if (!statSync(dir).isDirectory() || !existsSync(path.join(dir, 'manifest.json'))) {
    throw new InputError(`${dir} is not a cloud assembly (it has no manifest.json): ${whatToDo}`);
  }
  let stacks: CloudFormationStackArtifact[];
  try {
    // Plan reads only stack names, environments and templates, which every schema version has: an app on a newer
    // aws-cdk-lib than this command was built with still plans.
    stacks = new CloudAssembly(dir, { skipVersionCheck: true }).stacksRecursively;
  } catch (e) {
    throw new InputError(`${path.join(dir, 'manifest.json')} could not be read (${firstLine(e)}): ${whatToDo}`);
  }
  const resources = stacks.flatMap((stack) => {
    const file = stack.templateFullPath;
    let template: unknown;
    try {
      template = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const why = e instanceof SyntaxError ? `is not valid JSON (${firstLine(e)})` : `could not be read (${(e as NodeJS.ErrnoException).code ?? firstLine(e)})`;
      throw new InputError(`${file} ${why}: ${whatToDo}`);
    }
    try {
      return declaredResources(stack, template);
    } catch (e) {
      throw new InputError(`${file} ${firstLine(e)}: ${whatToDo}`);
    }
  });
  return { stacks, resources };
}

/** The stacks of a cloud assembly directory, nested assemblies (pipeline stages) included. */
export function stacksOf(assemblyDir: string): CloudFormationStackArtifact[] {
  return new CloudAssembly(assemblyDir).stacksRecursively;
}

/** The ConnectionPreferences of a stack's template (its own by default); throws when the template is not one. */
export function declaredResources(stack: CloudFormationStackArtifact, template: unknown = stack.template): DeclaredResource[] {
  return Object.entries(resourcesOfType(template)).map(([logicalId, properties]) =>
    ({ stack, logicalId, path: constructPathOf(template, logicalId), properties }));
}

/** The first property value that CloudFormation would still have to resolve (a Ref or Fn::), if any. */
export function unresolvedProperty(properties: object): string | undefined {
  return Object.entries(properties).find(([, value]) => JSON.stringify(value).match(/"(Ref|Fn::[A-Za-z]+)":/))?.[0];
}

/** The account and region a stack stands for in the emulator: its own when it declares them, defaults otherwise. */
export function emulatedEnvironmentOf(stack: { environment: { account: string; region: string } }) {
  const account = /^\d{12}$/.test(stack.environment.account) ? stack.environment.account : DEFAULT_ACCOUNT;
  const region = stack.environment.region.startsWith('unknown') ? 'eu-west-1' : stack.environment.region;
  const { accessKeyId, secretAccessKey } = credentialsOfAccount(account);
  return { account, region, env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: region } };
}

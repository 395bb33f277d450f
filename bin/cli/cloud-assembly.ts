import { CloudAssembly, CloudFormationStackArtifact } from '@aws-cdk/cloud-assembly-api';
import { credentialsOfAccount, DEFAULT_ACCOUNT } from '../../emulator/emulator';
import { ConnectionPreferencesResourceProperties, RESOURCE_TYPE } from '../../lib/resource-properties';

/** One ConnectionPreferences as a synthesized template declares it. */
export interface DeclaredResource {
  readonly stack: CloudFormationStackArtifact;
  readonly logicalId: string;
  /** The construct path, for people. */
  readonly path: string;
  /** The resource's properties without the ServiceToken: what the handler receives, less the framework's part. */
  readonly properties: ConnectionPreferencesResourceProperties;
}

/** The stacks of a cloud assembly directory, nested assemblies (pipeline stages) included. */
export function stacksOf(assemblyDir: string): CloudFormationStackArtifact[] {
  return new CloudAssembly(assemblyDir).stacksRecursively;
}

export function declaredResources(stack: CloudFormationStackArtifact): DeclaredResource[] {
  return Object.entries(resourcesOfType(stack.template)).map(([logicalId, properties]) =>
    ({ stack, logicalId, path: constructPathOf(stack.template, logicalId), properties }));
}

/** The construct path of a template's resource (from its aws:cdk:path metadata), or its logical id. */
export function constructPathOf(template: any, logicalId: string): string {
  return String(template.Resources[logicalId].Metadata?.['aws:cdk:path'] ?? logicalId).replace(/\/Resource\/Default$/, '');
}

/** The properties of a template's ConnectionPreferences by logical id, without the ServiceToken. */
export function resourcesOfType(template: any): Record<string, ConnectionPreferencesResourceProperties> {
  return Object.fromEntries(Object.entries(template?.Resources ?? {})
    .filter(([, r]: [string, any]) => r.Type === RESOURCE_TYPE)
    .map(([logicalId, r]: [string, any]) => {
      const { ServiceToken: _serviceToken, ...properties } = r.Properties;
      return [logicalId, properties];
    }));
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

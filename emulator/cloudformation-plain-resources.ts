import { randomBytes } from 'crypto';
import * as path from 'path';
import { ResourceFailure } from './cloudformation-custom-resource';
import type { StackResource } from './cloudformation-stack-operation';
import type { LambdaService } from './lambda';

/** The resources of a CDK app that are not custom resources: what a stack operation needs to create them. */
export interface PlainResourceContext {
  readonly lambda: LambdaService;
  readonly account: string;
  readonly region: string;
  /** The resource's `aws:asset:path` metadata, for a function, and the cloud assembly it is relative to. */
  readonly assetPath?: string;
  readonly assemblyDirectory: string;
}

/** A name given in the properties, or one generated as CloudFormation does: stack, logical id, random suffix. */
export function physicalNameOf(stackName: string, logicalId: string, type: string, properties: any): string {
  const given: Record<string, unknown> = { 'AWS::Lambda::Function': properties.FunctionName, 'AWS::IAM::Role': properties.RoleName, 'AWS::Logs::LogGroup': properties.LogGroupName, 'AWS::Events::Rule': properties.Name };
  return String(given[type] ?? `${stackName.slice(0, 24)}-${logicalId.slice(0, 24)}-${randomBytes(6).toString('hex').toUpperCase()}`);
}

/** Creates or updates a resource that is not a custom resource; returns its attributes. */
export function applyPlain(resource: StackResource, { lambda, account, region, assetPath, assemblyDirectory }: PlainResourceContext): Record<string, string> {
  const { PhysicalResourceId: name, Properties: properties } = resource;
  switch (resource.ResourceType) {
    case 'AWS::Lambda::Function': {
      if (!assetPath) throw new ResourceFailure('the local Lambda runs only functions whose code is a CDK asset (aws:asset:path metadata)');
      try {
        const fn = lambda.putFunction({
          FunctionName: name, Runtime: properties.Runtime, Handler: properties.Handler, Role: properties.Role,
          Timeout: Number(properties.Timeout ?? 3), MemorySize: Number(properties.MemorySize ?? 128), Variables: properties.Environment?.Variables ?? {},
          LogGroup: properties.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`, CodeDirectory: path.resolve(assemblyDirectory, assetPath), account, region,
        });
        return { Arn: fn.FunctionArn };
      } catch (e) {
        throw new ResourceFailure((e as Error).message);
      }
    }
    case 'AWS::IAM::Role': return { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${randomBytes(8).toString('hex').toUpperCase()}` };
    case 'AWS::Logs::LogGroup': return { Arn: `arn:aws:logs:${region}:${account}:log-group:${name}:*` };
    // A rule's Arn is what the Lambda permission that lets it invoke a function names (a monitor's schedule).
    case 'AWS::Events::Rule': return { Arn: `arn:aws:events:${region}:${account}:rule/${name}` };
    default: return {};
  }
}

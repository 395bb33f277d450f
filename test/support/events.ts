import * as path from 'path';
import { accountOfAccessKey } from '../../emulator/aws-protocol';
import { customResourceRequest, type CustomResourceRequestInput } from '../../emulator/cloudformation-custom-resource';
import type { StoredStack } from '../../emulator/cloudformation-stack-operation';
import { App, Stack } from 'aws-cdk-lib';
import { determineLatestNodeRuntime } from 'aws-cdk-lib/aws-lambda';
import { runInLambdaProcess } from '../../emulator/lambda-process';
import { nodeOfRuntime } from '../../emulator/lambda-runtimes';
import { handler, type ConnectionPreferencesEvent, type ConnectionPreferencesResponse } from '../../lambda';
import { RESOURCE_TYPE, type ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';

export type Handler = (event: ConnectionPreferencesEvent, context: ReturnType<typeof lambdaContext>) => Promise<ConnectionPreferencesResponse>;

export const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/** The Node that Lambda runs the bundle on: that of the runtime the construct declares (installed by `npm ci`). */
export const RUNTIME_NODE = nodeOfRuntime(determineLatestNodeRuntime(new Stack(new App(), 'Runtime')).name).execPath;

/**
 * Invokes the bundled file that the package ships, in a fresh process on the runtime's Node as the local Lambda runs it (jest's module
 * sandbox cannot run the SDK's dynamic imports), with the environment of the test. Rejects with the error message,
 * as the Provider framework would see it.
 */
export const invokeBundle: Handler = async (event, context) => {
  const { result, error } = await runInLambdaProcess({
    execPath: RUNTIME_NODE, codeDirectory: BUNDLE_DIR, handler: 'index.handler', payload: JSON.stringify(event),
    requestId: context.awsRequestId, timeoutMs: context.getRemainingTimeInMillis(), env: process.env,
  });
  if (error) throw Object.assign(new Error(error.errorMessage), { name: error.errorType, trace: error.trace });
  return JSON.parse(result!);
};

/** The handlers under test: the TypeScript source, and the bundled file that the package ships. */
export const HANDLERS: [string, Handler][] = [
  ['source', handler],
  ['bundle', invokeBundle],
];

const REGION = 'eu-west-1';
const SERVICE_TOKEN = 'arn:aws:lambda:eu-west-1:123456789012:function:provider';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/secret';

/** The stack the events come from, in the account the test's credentials name (./emulator-environment records it). */
export function testStackOf(account: string): StoredStack {
  const physicalId = `arn:aws:partnercentral:us-east-1:${account}:catalog/AWS/connection-preferences`;
  return {
    StackName: 'Partner', StackId: `arn:aws:cloudformation:${REGION}:${account}:stack/Partner/abc`, Account: account, Region: REGION,
    Template: {}, StackStatus: 'UPDATE_COMPLETE', CreationTime: '2026-01-01T00:00:00.000Z', LastUpdatedTime: '2026-01-02T00:00:00.000Z',
    Resources: {
      Prefs: {
        LogicalResourceId: 'Prefs', ResourceType: RESOURCE_TYPE, PhysicalResourceId: physicalId, ResourceStatus: 'CREATE_COMPLETE',
        Properties: {}, Attributes: {}, LastUpdatedTimestamp: new Date().toISOString(),
      },
    },
  };
}

/** CloudFormation's request as the Provider framework passes it on to the handler. */
function eventOf(request: Omit<CustomResourceRequestInput, 'stackId' | 'logicalId' | 'resourceType'>): ConnectionPreferencesEvent {
  const withToken = (properties?: Record<string, any>) => properties && { ...properties, ServiceToken: SERVICE_TOKEN };
  const account = accountOfAccessKey(process.env.AWS_ACCESS_KEY_ID ?? '');
  return {
    ...customResourceRequest({
      ...request, stackId: testStackOf(account).StackId, logicalId: 'Prefs', resourceType: RESOURCE_TYPE,
      properties: withToken(request.properties)!, oldProperties: withToken(request.oldProperties),
    }),
    ResponseURL: RESPONSE_URL,
  } as ConnectionPreferencesEvent;
}

export function createEvent(properties: ConnectionPreferencesResourceProperties): ConnectionPreferencesEvent {
  return eventOf({ requestType: 'Create', properties });
}

export function updateEvent(properties: ConnectionPreferencesResourceProperties, oldProperties: ConnectionPreferencesResourceProperties, physicalResourceId: string): ConnectionPreferencesEvent {
  return eventOf({ requestType: 'Update', properties, oldProperties, physicalResourceId });
}

export function deleteEvent(properties: ConnectionPreferencesResourceProperties, physicalResourceId: string): ConnectionPreferencesEvent {
  return eventOf({ requestType: 'Delete', properties, physicalResourceId });
}

/** A Lambda context with `remainingMs` left, counting down in real time. */
export function lambdaContext(remainingMs = 120_000) {
  const end = Date.now() + remainingMs;
  return { awsRequestId: 'lambda-req-1', getRemainingTimeInMillis: () => end - Date.now() };
}

/** Collects the handler's log lines (the TypeScript source's: the bundle logs in its own process), parsed. */
export function captureLogs(): { lines: Record<string, any>[]; raw: string[] } {
  const captured = { lines: [] as Record<string, any>[], raw: [] as string[] };
  jest.spyOn(console, 'log').mockImplementation((line: string) => {
    captured.raw.push(line);
    captured.lines.push(JSON.parse(line));
  });
  return captured;
}

import * as path from 'path';
import { invokeInLambdaProcess } from '../../bin/cli/lambda-process';
import { providerEvent } from '../../bin/cli/provider-event';
import { handler, type ConnectionPreferencesEvent, type ConnectionPreferencesResponse } from '../../lambda';
import type { ConnectionPreferencesResourceProperties } from '../../lib/resource-properties';

export type Handler = (event: ConnectionPreferencesEvent, context: ReturnType<typeof lambdaContext>) => Promise<ConnectionPreferencesResponse>;

/**
 * Invokes the bundled file that the package ships, in a fresh Node process as Lambda would (jest's module
 * sandbox cannot run the SDK's dynamic imports), with the environment of the test.
 */
export const invokeBundle: Handler = (event, context) => invokeInLambdaProcess({
  file: path.join(__dirname, '..', '..', 'assets', 'handler', 'index.mjs'),
  exportName: 'handler',
  event,
  remainingMs: context.getRemainingTimeInMillis(),
  env: process.env,
});

/** The handlers under test: the TypeScript source, and the bundled file that the package ships. */
export const HANDLERS: [string, Handler][] = [
  ['source', handler],
  ['bundle', invokeBundle],
];

const TEST_ORIGIN = {
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Partner/abc',
  serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
  responseUrl: 'https://cloudformation-custom-resource-response.example/secret',
};

export function createEvent(properties: ConnectionPreferencesResourceProperties): ConnectionPreferencesEvent {
  return providerEvent(TEST_ORIGIN, { type: 'Create', logicalId: 'Prefs', properties });
}

export function updateEvent(properties: ConnectionPreferencesResourceProperties, oldProperties: ConnectionPreferencesResourceProperties, physicalResourceId: string): ConnectionPreferencesEvent {
  return providerEvent(TEST_ORIGIN, { type: 'Update', logicalId: 'Prefs', properties, oldProperties, physicalResourceId });
}

export function deleteEvent(properties: ConnectionPreferencesResourceProperties, physicalResourceId: string): ConnectionPreferencesEvent {
  return providerEvent(TEST_ORIGIN, { type: 'Delete', logicalId: 'Prefs', properties, physicalResourceId });
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

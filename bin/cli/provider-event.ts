import { randomUUID } from 'crypto';
import type { ConnectionPreferencesEvent } from '../../lambda';
import { ConnectionPreferencesResourceProperties, RESOURCE_TYPE } from '../../lib/resource-properties';

/** The stack and the provider an event comes from. */
export interface EventOrigin {
  readonly stackId: string;
  readonly serviceToken: string;
  readonly responseUrl: string;
}

type Properties = ConnectionPreferencesResourceProperties;

/** CloudFormation's request for one resource, without what the origin adds. */
export type ResourceRequest =
  | { readonly type: 'Create'; readonly logicalId: string; readonly properties: Properties }
  | { readonly type: 'Update'; readonly logicalId: string; readonly properties: Properties; readonly oldProperties: Properties; readonly physicalResourceId: string }
  | { readonly type: 'Delete'; readonly logicalId: string; readonly properties: Properties; readonly physicalResourceId: string };

/**
 * A CloudFormation request as the Provider framework passes it to the onEvent handler, the ServiceToken in the
 * properties (old and new) as CloudFormation sends them. The one event builder of the local deploy, the benchmark
 * and the tests.
 */
export function providerEvent(origin: EventOrigin, request: ResourceRequest): ConnectionPreferencesEvent {
  const withToken = (properties: Properties) => ({ ...properties, ServiceToken: origin.serviceToken });
  const common = {
    ServiceToken: origin.serviceToken,
    ResponseURL: origin.responseUrl,
    StackId: origin.stackId,
    RequestId: randomUUID(),
    LogicalResourceId: request.logicalId,
    ResourceType: RESOURCE_TYPE,
    ResourceProperties: withToken(request.properties),
  };
  switch (request.type) {
    case 'Create': return { ...common, RequestType: 'Create' };
    case 'Update': return { ...common, RequestType: 'Update', PhysicalResourceId: request.physicalResourceId, OldResourceProperties: withToken(request.oldProperties) };
    case 'Delete': return { ...common, RequestType: 'Delete', PhysicalResourceId: request.physicalResourceId };
  }
}

import { randomUUID } from 'crypto';

/**
 * The custom resource contract, CloudFormation's side: the request it sends a provider and the checks it makes of
 * the response. A provider's response over 4,096 bytes, or one that breaks a rule, fails the resource.
 */

/** CloudFormation refuses a custom resource response body over this many bytes. */
export const MAX_RESPONSE_BYTES = 4096;

/** A failed resource, with the physical id CloudFormation keeps for it (a custom resource's FAILED response names one). */
export class ResourceFailure extends Error {
  constructor(message: string, readonly physicalResourceId?: string) {
    super(message);
  }
}

/** What CloudFormation's request to a custom resource is made of. */
export interface CustomResourceRequestInput {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly stackId: string;
  readonly logicalId: string;
  readonly resourceType: string;
  /** The resolved properties, ServiceToken included. */
  readonly properties: Record<string, any>;
  /** For Update and Delete. */
  readonly physicalResourceId?: string;
  /** For Update: the properties it was last created or updated with. */
  readonly oldProperties?: Record<string, any>;
}

/**
 * CloudFormation's request to a custom resource, without the ResponseURL: every scalar of the properties a string,
 * PhysicalResourceId on Update and Delete, OldResourceProperties on Update. The one builder of the local
 * CloudFormation, the tests and the benchmark.
 */
export function customResourceRequest(input: CustomResourceRequestInput): Record<string, any> {
  return {
    RequestType: input.requestType,
    ServiceToken: input.properties.ServiceToken,
    StackId: input.stackId,
    RequestId: randomUUID(),
    LogicalResourceId: input.logicalId,
    ResourceType: input.resourceType,
    ResourceProperties: withScalarsAsStrings(input.properties),
    ...(input.requestType !== 'Create' && { PhysicalResourceId: input.physicalResourceId }),
    ...(input.requestType === 'Update' && { OldResourceProperties: withScalarsAsStrings(input.oldProperties) }),
  };
}

/** CloudFormation passes a custom resource's properties with every scalar as a string. */
export function withScalarsAsStrings(value: unknown): any {
  if (Array.isArray(value)) return value.map(withScalarsAsStrings);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withScalarsAsStrings(v)]));
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** CloudFormation's checks of a custom resource's response, in its words where known; throws ResourceFailure. */
export function acceptResponse(request: Record<string, any>, body: string, bytes: number): { physicalId: string; data: Record<string, string> } {
  if (bytes > MAX_RESPONSE_BYTES) throw new ResourceFailure('Response object is too long.');
  let response: any;
  try {
    response = JSON.parse(body);
  } catch {
    throw new ResourceFailure('Invalid response object: the response is not JSON.');
  }
  if (response.Status !== 'SUCCESS' && response.Status !== 'FAILED') throw new ResourceFailure('Invalid response object: Status must be SUCCESS or FAILED.');
  for (const id of ['StackId', 'RequestId', 'LogicalResourceId']) {
    if (response[id] !== request[id]) throw new ResourceFailure(`Invalid response object: ${id} does not match the request's.`);
  }
  const physicalId = response.PhysicalResourceId;
  if (typeof physicalId !== 'string' || physicalId.length === 0 || Buffer.byteLength(physicalId) > 1024) {
    throw new ResourceFailure('Invalid PhysicalResourceId: it must be a string of 1 to 1,024 bytes.');
  }
  if (request.RequestType === 'Delete' && physicalId !== request.PhysicalResourceId) {
    throw new ResourceFailure(`Invalid PhysicalResourceId: a Delete must answer with the request's, ${request.PhysicalResourceId}.`);
  }
  if (response.Status === 'FAILED') {
    if (typeof response.Reason !== 'string' || response.Reason.length === 0) throw new ResourceFailure('Invalid response object: a FAILED response must have a Reason.', physicalId);
    throw new ResourceFailure(response.Reason, physicalId);
  }
  const data = response.Data ?? {};
  if (typeof data !== 'object' || Array.isArray(data) || Object.values(data).some((v) => typeof v !== 'string')) {
    throw new ResourceFailure('Invalid response object: Data must map names to strings.', physicalId);
  }
  return { physicalId, data };
}

export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { GetConnectionPreferencesCommand, PartnerCentralAccountClient } from '@aws-sdk/client-partnercentral-account';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type Credentials, PARTNER_CENTRAL_REGION } from '../../lambda/connection-preferences-api';
import { DeadlineError } from '../../lambda/deadline';

export type Service = 'STS' | 'CloudFormation' | 'Partner Central';

/** No call waits longer than this for an answer, whatever --timeout allows the whole plan. */
export const MAX_CALL_MS = 30_000;

/** How long past its deadline a call that did not stop is abandoned. */
const STRAGGLER_MS = 1_000;

/** Why a resource could not be planned, already in words for the reader. */
export class PlanCallError extends Error {
  readonly name = 'PlanCallError';
}

/**
 * The deadlines of one plan, and what it learned about its endpoints. Every call gets at most MAX_CALL_MS, or a
 * third of the plan's limit if that is less, so that an endpoint that accepts a connection and never answers is
 * named well before the plan's own limit; a call never outlives the plan. Once an endpoint has let a call run out
 * of time, later calls to it fail at once, naming it: a hung endpoint costs one call's limit, not one per stack.
 */
export class PlanCalls {
  readonly deadline: number;
  private readonly callTimeoutMs: number;
  private readonly unresponsive = new Map<string, string>();
  private readonly endpoints = new Map<string, Promise<string>>();
  private readonly cloudFormationClients = new Map<string, CloudFormationClient>();

  /** `deadline` is when the plan must end, when it began before these calls (the command's synth, say). */
  constructor(private readonly timeoutMs: number, deadline = Date.now() + timeoutMs) {
    this.deadline = deadline;
    this.callTimeoutMs = Math.min(MAX_CALL_MS, Math.ceil(timeoutMs / 3));
  }

  /**
   * Runs one call with its deadline (epoch milliseconds), handed to `send`, which must stop by then (the handler's
   * calls throw a DeadlineError, themselves or as the cause of their own error). `subject` says what it was for.
   */
  async call<T>(service: Service, operation: string, region: string | undefined, subject: string, send: (deadline: number) => Promise<T>): Promise<T> {
    const endpoint = await this.endpointOf(service, region);
    const key = `${service} ${endpoint}`;
    const known = this.unresponsive.get(key);
    if (known) throw new PlanCallError(`not tried: ${known}`);
    if (Date.now() >= this.deadline) throw new PlanCallError(`${service} ${operation} ${subject} not tried: the plan ran out of its --timeout of ${seconds(this.timeoutMs)}`);
    const deadline = Math.min(Date.now() + this.callTimeoutMs, this.deadline);
    const limitMs = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    // The calls stop at their deadline themselves; this is for whatever inside the SDK might not hear the signal.
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError(operation, limitMs)), limitMs + STRAGGLER_MS);
    });
    try {
      return await Promise.race([send(deadline), stop]);
    } catch (e) {
      if (!(e instanceof DeadlineError) && !((e as Error).cause instanceof DeadlineError)) throw e;
      const planLimit = deadline === this.deadline;
      const message = `${service} ${operation} ${subject} got no answer from ${endpoint} within ${seconds(limitMs)}`
        + (planLimit ? `, the time left of the plan's --timeout of ${seconds(this.timeoutMs)}` : ', the limit of one call');
      if (!planLimit) this.unresponsive.set(key, message);
      throw new PlanCallError(`${message}: check that the endpoint is reachable and answers`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One CloudFormation client per region and credentials, shared by the plan's stacks, so that its adaptive retries
   * slow every stack's GetTemplate down when CloudFormation throttles them (they all go to one account, usually).
   */
  cloudFormation(region: string | undefined, credentials: Credentials | undefined): CloudFormationClient {
    const key = `${region} ${credentials?.accessKeyId}`;
    if (!this.cloudFormationClients.has(key)) this.cloudFormationClients.set(key, new CloudFormationClient({ region, credentials, retryMode: 'adaptive' }));
    return this.cloudFormationClients.get(key)!;
  }

  /** The URL the SDK sends a service's requests to, as its own configuration resolves it (AWS_ENDPOINT_URL_* included). */
  endpointOf(service: Service, region: string | undefined): Promise<string> {
    const key = `${service} ${region}`;
    if (!this.endpoints.has(key)) this.endpoints.set(key, resolveEndpoint(service, region));
    return this.endpoints.get(key)!;
  }
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The clients the plan's calls use, configured as those calls configure them, with a command of each. */
const PROBES: Record<Service, (region: string | undefined) => { client: any; command: any }> = {
  'STS': () => ({ client: new STSClient({ credentials: PROBE_CREDENTIALS }), command: new AssumeRoleCommand({ RoleArn: 'probe', RoleSessionName: 'probe' }) }),
  'CloudFormation': (region) => ({ client: new CloudFormationClient({ region, credentials: PROBE_CREDENTIALS }), command: new GetTemplateCommand({ StackName: 'probe' }) }),
  'Partner Central': () => ({
    client: new PartnerCentralAccountClient({ region: PARTNER_CENTRAL_REGION, credentials: PROBE_CREDENTIALS }),
    command: new GetConnectionPreferencesCommand({ Catalog: 'AWS' }),
  }),
};
/** The SDK resolves credentials before the endpoint; these are never sent anywhere. */
const PROBE_CREDENTIALS = { accessKeyId: 'probe', secretAccessKey: 'probe' };

class EndpointFound extends Error {
  constructor(readonly url: string) {
    super(url);
  }
}

/**
 * Builds a request as the SDK would and stops before it is signed or sent: what the SDK resolved (an
 * AWS_ENDPOINT_URL_* variable, a profile's endpoint_url, the service's own host) is where the plan's calls go.
 */
async function resolveEndpoint(service: Service, region: string | undefined): Promise<string> {
  try {
    const { client, command } = PROBES[service](region);
    client.middlewareStack.add(() => async (args: { request: { protocol: string; hostname: string; port?: number } }) => {
      const { protocol, hostname, port } = args.request;
      throw new EndpointFound(`${protocol}//${hostname}${port ? `:${port}` : ''}`);
    }, { step: 'build', name: 'planEndpointProbe' });
    await client.send(command);
  } catch (e) {
    if (e instanceof EndpointFound) return e.url;
  }
  return `the ${service} endpoint`;
}

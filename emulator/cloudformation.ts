import { ApiError, AwsReply, AwsRequest, EmulatedService, escapeXml, queryProtocol } from './aws-protocol';
import {
  creationTimeOf, CustomResourceExchange, ExchangeObserver, StackOperation, StackOperationResult, StoredStack,
} from './cloudformation-stack-operation';
import { acceptResponse, ResourceFailure } from './cloudformation-custom-resource';
import type { Template } from './cloudformation-template';
import type { LambdaService } from './lambda';
import type { ResponseBucket } from './s3-response-bucket';

export type { CustomResourceExchange, StackOperationResult, StackResource, StoredStack } from './cloudformation-stack-operation';

export interface DeployInput {
  readonly stackName: string;
  readonly template: Template;
  readonly account: string;
  readonly region: string;
  /** Where the template's `aws:asset:path` folders are: the cloud assembly. */
  readonly assemblyDirectory: string;
  /** The template as submitted, when it was not JSON (the CDK CLI sends a small template inline as YAML). */
  readonly templateBody?: string;
}

const keyOf = (account: string, region: string, stackName: string) => `${account}/${region}/${stackName}`;
const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const PAGE_SIZE = 100;
/** How long a response may still take to arrive after the function that should send it failed. */
const GRACE_AFTER_FUNCTION_ERROR_MS = 2_000;

/**
 * CloudFormation for the stacks of a local deploy: DescribeStacks, GetTemplate and ListStackResources in its query
 * protocol, and the stack operations (cloudformation-stack-operation.ts). A custom resource gets CloudFormation's
 * request through an asynchronous invocation of its ServiceToken, with a presigned ResponseURL (s3-response-bucket.ts);
 * CloudFormation then waits, up to the resource's ServiceTimeout, for a response that keeps its contract: at most
 * 4,096 bytes, a Status, the request's ids, a Reason on failure, the same PhysicalResourceId on Delete, Data of strings.
 */
export class CloudFormationService implements EmulatedService {
  /** By account, region and name, as CloudFormation keeps them. */
  readonly stacks = new Map<string, StoredStack>();
  /** Every custom resource request sent, with its response's size and outcome. */
  readonly exchanges: CustomResourceExchange[] = [];
  /** Told before and after every custom resource request. */
  observer?: ExchangeObserver;

  constructor(
    private readonly lambda: LambdaService,
    private readonly bucket: ResponseBucket,
    private readonly onChange: () => void,
    /** Which template the stack shows while a rollback deletes what the failed update created (EmulatorSettings). */
    private readonly rollbackCleanupTemplate: () => 'attempted' | 'previous',
  ) {}

  async handle({ body, call }: AwsRequest): Promise<AwsReply> {
    const params = queryProtocol.params(body);
    call.operation = params.Action ?? '';
    call.request = params;
    try {
      const callersStacks = [...this.stacks.values()].filter((s) => s.Account === call.account && s.Region === call.region);
      switch (call.operation) {
        case 'DescribeStacks': {
          // Without a name, DescribeStacks describes every stack of the account and region.
          const described = params.StackName ? [stackNamed(callersStacks, params.StackName)] : callersStacks;
          return queryProtocol.result('DescribeStacks', NAMESPACE, `<Stacks>${described.map(describeStack).join('')}</Stacks>`);
        }
        case 'GetTemplate': {
          const stack = stackNamed(callersStacks, params.StackName);
          return queryProtocol.result('GetTemplate', NAMESPACE, `<TemplateBody>${escapeXml(stack.TemplateBody ?? JSON.stringify(stack.Template))}</TemplateBody>`
            + '<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>');
        }
        case 'ListStackResources': return this.listStackResources(stackNamed(callersStacks, params.StackName), params.NextToken);
        default: throw new ApiError('InvalidAction', `Could not find operation ${call.operation}`, {}, 400);
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return this.errorReply(e.errorName, e.message, e.status ?? 400);
    }
  }

  errorReply(errorName: string, message: string, status: number): AwsReply {
    return queryProtocol.error(NAMESPACE, errorName, message, status);
  }

  private listStackResources(stack: StoredStack, nextToken: string | undefined): AwsReply {
    const resources = Object.values(stack.Resources);
    const start = Number(nextToken ?? 0);
    const page = resources.slice(start, start + PAGE_SIZE).map((r) => `<member><LogicalResourceId>${r.LogicalResourceId}</LogicalResourceId>`
      + `<PhysicalResourceId>${escapeXml(r.PhysicalResourceId)}</PhysicalResourceId><ResourceType>${r.ResourceType}</ResourceType>`
      + `<LastUpdatedTimestamp>${r.LastUpdatedTimestamp}</LastUpdatedTimestamp><ResourceStatus>${r.ResourceStatus}</ResourceStatus></member>`);
    const next = start + PAGE_SIZE < resources.length ? `<NextToken>${start + PAGE_SIZE}</NextToken>` : '';
    return queryProtocol.result('ListStackResources', NAMESPACE, `<StackResourceSummaries>${page.join('')}</StackResourceSummaries>${next}`);
  }

  /** A stack of an account and region, by name. */
  stack(account: string, region: string, stackName: string): StoredStack | undefined {
    return this.stacks.get(keyOf(account, region, stackName));
  }

  /** Records a stack as deployed, without deploying anything: for tests of what reads stacks. */
  record(stack: StoredStack): void {
    this.stacks.set(keyOf(stack.Account, stack.Region, stack.StackName), stack);
    this.onChange();
  }

  /** Creates or updates a stack, as `cdk deploy` asks CloudFormation to. A stack whose creation rolled back is gone. */
  async deploy(input: DeployInput): Promise<StackOperationResult> {
    await this.connectResponseBucket();
    const key = keyOf(input.account, input.region, input.stackName);
    const previous = this.stacks.get(key);
    const stack = previous ? { ...structuredClone(previous), Template: input.template } : StackOperation.newStack(input.stackName, input.account, input.region, input.template);
    stack.TemplateBody = input.templateBody;
    this.stacks.set(key, stack);
    const result = await new StackOperation(this.operationServices(), stack, previous, input.assemblyDirectory).deploy();
    if (result.status === 'ROLLBACK_COMPLETE') this.stacks.delete(key);
    this.onChange();
    return result;
  }

  /** Deletes a stack and its resources, as `cdk destroy` asks CloudFormation to. */
  async deleteStack(account: string, region: string, stackName: string): Promise<StackOperationResult> {
    const key = keyOf(account, region, stackName);
    const stack = this.stacks.get(key);
    if (!stack) return { status: 'DELETE_COMPLETE', laterFailures: [] };
    await this.connectResponseBucket();
    const result = await new StackOperation(this.operationServices(), stack, undefined, '').delete();
    if (result.status === 'DELETE_COMPLETE') this.stacks.delete(key);
    this.onChange();
    return result;
  }

  /** Functions reach the response bucket through the route that lambda-network.cjs sets up from this. */
  private async connectResponseBucket(): Promise<void> {
    const route = await this.bucket.start();
    if (!this.lambda.network) throw new Error('start the emulator before deploying: functions need its endpoint');
    this.lambda.network.extraEnvironment.EMULATOR_NETWORK = JSON.stringify(route);
  }

  private operationServices() {
    return { lambda: this.lambda, exchange: this.exchange.bind(this), saved: this.onChange, rollbackCleanupTemplate: this.rollbackCleanupTemplate };
  }

  /** Sends one custom resource request and waits for its response, failing the resource as CloudFormation would. */
  private async exchange(stack: StoredStack, exchange: CustomResourceExchange, serviceTimeoutSeconds: number) {
    const { url, response } = this.bucket.presign(stack.Region, stack.StackId, exchange.logicalId, exchange.request.RequestId);
    const request: Record<string, any> = { ...exchange.request, ResponseURL: url };
    this.exchanges.push(exchange);
    this.observer?.(exchange, 'before');
    try {
      let invocation: Promise<{ functionError?: string; payload: string }>;
      try {
        invocation = this.lambda.invokeAsync(request.ServiceToken, JSON.stringify(request));
      } catch (e) {
        throw new ResourceFailure(`Invalid service token ${request.ServiceToken}: ${(e as Error).message}`);
      }
      const received = await this.responseOf(response, invocation, serviceTimeoutSeconds);
      if (typeof received === 'string') {
        this.bucket.abandon(url);
        throw new ResourceFailure(`CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${request.RequestId}]. `
          + received);
      }
      exchange.responseBytes = received.bytes;
      const accepted = acceptResponse(request, received.body, received.bytes);
      exchange.status = 'SUCCESS';
      exchange.data = accepted.data;
      return accepted;
    } catch (e) {
      exchange.status = 'FAILED';
      exchange.reason = (e as Error).message;
      throw e;
    } finally {
      this.observer?.(exchange, 'after');
    }
  }

  /**
   * The response, or why none came: the ServiceTimeout passed, or (a local shortcut to what CloudFormation would
   * only find out at the ServiceTimeout) the function failed without responding.
   */
  private async responseOf(response: Promise<{ body: string; bytes: number }>, invocation: Promise<{ functionError?: string; payload: string }>, serviceTimeoutSeconds: number) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`(No response within the ServiceTimeout of ${serviceTimeoutSeconds} s.)`), serviceTimeoutSeconds * 1000);
    });
    const functionFailed = invocation.then(async ({ functionError, payload }) => {
      if (!functionError) return new Promise<never>(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, GRACE_AFTER_FUNCTION_ERROR_MS));
      return `(Locally: the function failed without responding, ${payload.slice(0, 500)}; CloudFormation would wait for the ServiceTimeout of ${serviceTimeoutSeconds} s.)`;
    });
    try {
      return await Promise.race([response, timeout, functionFailed]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One of the caller's stacks, by name or stack id, or CloudFormation's error. */
function stackNamed(callersStacks: StoredStack[], nameOrId: string | undefined): StoredStack {
  const stack = callersStacks.find((s) => s.StackName === nameOrId || s.StackId === nameOrId);
  if (!stack) throw new ApiError('ValidationError', `Stack with id ${nameOrId} does not exist`, {}, 400);
  return stack;
}

/**
 * A stack as DescribeStacks answers it: its status, times and parameters. The local CloudFormation takes no parameter
 * values, so each parameter has its template default (none when it has no default), masked when NoEcho.
 */
function describeStack(stack: StoredStack): string {
  const parameters = Object.entries(stack.Template.Parameters ?? {}).map(([key, parameter]) => {
    const noEcho = String((parameter as { NoEcho?: unknown }).NoEcho) === 'true';
    const value = parameter.Default === undefined ? '' : `<ParameterValue>${noEcho ? '****' : escapeXml(String(parameter.Default))}</ParameterValue>`;
    return `<member><ParameterKey>${escapeXml(key)}</ParameterKey>${value}</member>`;
  });
  return `<member><StackName>${escapeXml(stack.StackName)}</StackName><StackId>${escapeXml(stack.StackId)}</StackId>`
    + `<StackStatus>${stack.StackStatus}</StackStatus><CreationTime>${creationTimeOf(stack)}</CreationTime>`
    + (stack.LastUpdatedTime ? `<LastUpdatedTime>${stack.LastUpdatedTime}</LastUpdatedTime>` : '')
    + `<Parameters>${parameters.join('')}</Parameters></member>`;
}

import { SERVICE_TEXT, shorten } from '../lib/summary';
import type { Credentials } from './connection-preferences-api';
import { callWithinDeadline } from './deadline';
import { ExplainedError } from './failure';
import type { Log } from './log';

export interface AssumeRoleRequest {
  readonly roleArn: string;
  readonly externalId?: string;
  /** Identifies the stack and resource in the target account's CloudTrail. */
  readonly sessionName: string;
  readonly deadline: number;
  readonly log: Log;
  /** Who asks, for the advice on AccessDenied. @default the handler's role */
  readonly caller?: string;
}

/**
 * Credentials of the role in the target account, from STS with its standard configuration (region, credential
 * chain, AWS_ENDPOINT_URL_STS). The STS client is loaded only when a resource names a role.
 */
export async function assumeRole(request: AssumeRoleRequest): Promise<Credentials> {
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({});
  const started = Date.now();
  try {
    const { Credentials } = await callWithinDeadline('AssumeRole', request.deadline, (abortSignal) => sts.send(new AssumeRoleCommand({
      RoleArn: request.roleArn,
      RoleSessionName: request.sessionName,
      ExternalId: request.externalId,
    }), { abortSignal }));
    request.log('assume role', { roleArn: request.roleArn, sessionName: request.sessionName, outcome: 'ok', durationMs: Date.now() - started });
    return {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
      expiration: Credentials!.Expiration,
    };
  } catch (e: any) {
    request.log('assume role', { roleArn: request.roleArn, sessionName: request.sessionName, outcome: e.name, durationMs: Date.now() - started });
    const advice = e.name === 'AccessDenied'
      ? ` The role's trust policy must allow sts:AssumeRole by ${request.caller ?? 'the handler\'s role'}, and require this externalId if one is set.`
      : '';
    throw new ExplainedError(`Could not assume ${shorten(request.roleArn)}${request.externalId ? ' with the given externalId' : ''}: `
      + `${e.name}: ${shorten(String(e.message), SERVICE_TEXT)}.${advice}`, { cause: e });
  }
}

/** `<prefix><stack name>.<logical id>`, in the characters and length STS accepts. */
export function sessionNameOf(stackId: string, logicalId: string, prefix = ''): string {
  const stackName = stackId.split('/')[1] ?? 'stack';
  return `${prefix}${stackName}.${logicalId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

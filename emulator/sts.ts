import { randomBytes } from 'crypto';
import { ApiError, AwsReply, AwsRequest, EmulatedService, queryProtocol } from './aws-protocol';

/** Credentials the emulated STS issued: their access key ends with the role's account. */
export interface IssuedCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(.+)$/;

/**
 * STS AssumeRole in the query protocol. Issued credentials are temporary (ASIA…) and good only with their session
 * token; the external id a role's trust policy requires is a setting. Lambda's execution-role credentials come from here too.
 */
export class StsService implements EmulatedService {
  readonly issuedCredentials: IssuedCredentials[] = [];

  constructor(private readonly roleExternalIds: () => Record<string, string>) {}

  async handle({ body, call }: AwsRequest): Promise<AwsReply> {
    const params = queryProtocol.params(body);
    call.operation = params.Action ?? '';
    call.request = params;
    try {
      if (call.operation !== 'AssumeRole') throw new ApiError('InvalidAction', `Could not find operation ${call.operation}`, {}, 400);
      return queryProtocol.result('AssumeRole', NAMESPACE, this.assumeRole(call.accessKeyId, params));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return this.errorReply(e.errorName, e.message, e.status ?? 400);
    }
  }

  errorReply(errorName: string, message: string, status: number): AwsReply {
    return queryProtocol.error(NAMESPACE, errorName, message, status);
  }

  /** New temporary credentials for a role, as STS (or Lambda, for a function's role) hands them out. */
  issue(roleArn: string): IssuedCredentials {
    const account = ROLE_ARN.exec(roleArn)?.[1];
    if (!account) throw new ApiError('ValidationError', `${roleArn} is not a valid role ARN`, {}, 400);
    const credentials: IssuedCredentials = {
      roleArn,
      accessKeyId: `ASIA${randomBytes(4).toString('hex').toUpperCase()}${account}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(32).toString('base64'),
      expiration: new Date(Date.now() + 3600_000),
    };
    this.issuedCredentials.push(credentials);
    return credentials;
  }

  /** Temporary credentials are only good with the session token STS issued with them. */
  sessionTokenProblem(accessKeyId: string, token: string | string[] | undefined): string | undefined {
    if (!accessKeyId.startsWith('ASIA')) return undefined;
    const issued = this.issuedCredentials.find((c) => c.accessKeyId === accessKeyId);
    return issued?.sessionToken === token ? undefined : 'The security token included in the request is invalid';
  }

  private assumeRole(caller: string, params: Record<string, string>): string {
    const { RoleArn: roleArn, RoleSessionName: sessionName, ExternalId: externalId } = params;
    const role = ROLE_ARN.exec(roleArn ?? '');
    if (!role) throw new ApiError('ValidationError', `${roleArn} is not a valid role ARN`, {}, 400);
    if (!sessionName || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new ApiError('ValidationError', `RoleSessionName ${sessionName} is not valid`, {}, 400);
    const requiredExternalId = this.roleExternalIds()[roleArn];
    if (requiredExternalId !== undefined && requiredExternalId !== externalId) {
      throw new ApiError('AccessDenied', `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, {}, 403);
    }
    const credentials = this.issue(roleArn);
    return `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>`
      + `<SessionToken>${credentials.sessionToken}</SessionToken><Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials>`
      + `<AssumedRoleUser><AssumedRoleId>AROAEMULATED:${sessionName}</AssumedRoleId>`
      + `<Arn>arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${sessionName}</Arn></AssumedRoleUser>`;
  }
}

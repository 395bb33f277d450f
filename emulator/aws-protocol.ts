import { randomUUID } from 'crypto';
import type * as http from 'http';

/** Accounts are taken from the access key that signed the request: its last 12 digits, or this one. */
export const DEFAULT_ACCOUNT = '123456789012';
export function accountOfAccessKey(accessKeyId: string): string {
  return /(\d{12})$/.exec(accessKeyId)?.[1] ?? DEFAULT_ACCOUNT;
}

/** Static credentials that the emulator takes as this account's. */
export function credentialsOfAccount(account: string): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `AKIALOCAL${account}`, secretAccessKey: 'emulator-secret' };
}

/** One API call as the emulator received and answered it. */
export interface RecordedCall {
  operation: string;
  accessKeyId: string;
  account: string;
  /** The region and service of the SigV4 credential scope. */
  region: string;
  service: string;
  request: any;
  /** 0 when the connection was dropped without an answer. */
  status: number;
  errorType?: string;
}

/** A signed request, routed to the service its SigV4 credential scope names. */
export interface AwsRequest {
  readonly method: string;
  /** The path and query string. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** Filled in by the service: operation, request, status, error type. */
  readonly call: RecordedCall;
}

/** What a service answers; `drop` closes the connection without an answer. */
export type AwsReply = { status: number; headers?: Record<string, string>; body: string } | 'drop';

/** A service of the emulator, behind the one endpoint. */
export interface EmulatedService {
  handle(request: AwsRequest): Promise<AwsReply>;
  /** The service's own error format, for errors found before the service saw the request (a bad session token). */
  errorReply(errorName: string, message: string, status: number): AwsReply;
}

/** An error the service answers with, in its protocol. */
export class ApiError extends Error {
  constructor(readonly errorName: string, message: string, readonly fields: Record<string, unknown> = {}, readonly status?: number) {
    super(message);
  }
}

/** The query protocol of STS and CloudFormation: a form-encoded request, an XML answer. */
export const queryProtocol = {
  params(body: string): Record<string, string> {
    return Object.fromEntries(new URLSearchParams(body));
  },
  result(action: string, namespace: string, resultXml: string): AwsReply {
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<${action}Response xmlns="${namespace}"><${action}Result>${resultXml}</${action}Result>`
        + `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
    };
  },
  error(namespace: string, errorName: string, message: string, status: number): AwsReply {
    return {
      status,
      headers: { 'content-type': 'text/xml' },
      body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${errorName}</Code>`
        + `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    };
  },
};

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function parseJson(body: string): unknown {
  try {
    return body ? JSON.parse(body) : {};
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid JSON', {}, 400);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

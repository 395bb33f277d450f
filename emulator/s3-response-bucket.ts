import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as https from 'https';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';

/** A custom resource response as the bucket received it. */
export interface ReceivedResponse {
  readonly body: string;
  readonly bytes: number;
}

/** What a function's process needs to reach the bucket: see lambda-network.cjs. */
export interface ResponseBucketRoute {
  readonly responseBucketHostSuffix: string;
  readonly responseBucketPort: number;
  readonly responseBucketCaFile: string;
}

const HOST_SUFFIX = '.s3.amazonaws.com';

/**
 * CloudFormation's custom resource response bucket: CloudFormation hands the provider a presigned S3 URL, the provider
 * PUTs its response there over HTTPS, and CloudFormation reads it. Served on loopback with a certificate made at start
 * for `*.s3.amazonaws.com`; a PUT is accepted only on a URL this bucket presigned, with its signature, once.
 */
export class ResponseBucket {
  private server?: https.Server;
  private caDir?: string;
  private readonly pending = new Map<string, { signature: string; resolve: (response: ReceivedResponse) => void }>();

  /** Starts the HTTPS endpoint, once. */
  async start(): Promise<ResponseBucketRoute> {
    if (!this.server) {
      // Loaded here: only a deploy needs the bucket, and the plan command's bundle stays small.
      const selfsigned = await import('selfsigned');
      const pems = await selfsigned.generate([{ name: 'commonName', value: `*${HOST_SUFFIX}` }], {
        keyType: 'ec', algorithm: 'sha256', notAfterDate: new Date(Date.now() + 86_400_000),
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: `*${HOST_SUFFIX}` }] }],
      } as any);
      this.caDir = mkdtempSync(path.join(os.tmpdir(), 'response-bucket-'));
      writeFileSync(path.join(this.caDir, 'ca.pem'), pems.cert);
      const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => void this.receive(req, res));
      this.server = server;
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    }
    return {
      responseBucketHostSuffix: HOST_SUFFIX,
      responseBucketPort: (this.server.address() as AddressInfo).port,
      responseBucketCaFile: path.join(this.caDir!, 'ca.pem'),
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (this.caDir) rmSync(this.caDir, { recursive: true, force: true });
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A presigned URL for one request's response, named as CloudFormation names it, and the response once it arrives. */
  presign(region: string, stackId: string, logicalId: string, requestId: string): { url: string; response: Promise<ReceivedResponse> } {
    const key = `/${encodeURIComponent(`${stackId}|${logicalId}|${requestId}`)}`;
    const signature = randomBytes(32).toString('hex');
    const response = new Promise<ReceivedResponse>((resolve) => this.pending.set(key, { signature, resolve }));
    const date = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-SignedHeaders=host&X-Amz-Expires=7200`
      + `&X-Amz-Credential=AKIAEMULATEDBUCKET%2F${date.slice(0, 8)}%2F${region}%2Fs3%2Faws4_request&X-Amz-Signature=${signature}`;
    return { url: `https://cloudformation-custom-resource-response-${region.replace(/-/g, '')}${HOST_SUFFIX}${key}?${query}`, response };
  }

  /** Forgets a request whose response will not be read (CloudFormation stopped waiting). */
  abandon(url: string): void {
    this.pending.delete(new URL(url).pathname);
  }

  private async receive(req: import('http').IncomingMessage, res: import('http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'https://bucket');
    const waiting = this.pending.get(url.pathname);
    const reply = (status: number, code?: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(code ? `<Error><Code>${code}</Code></Error>` : '');
    };
    if (req.method !== 'PUT') return reply(405, 'MethodNotAllowed');
    if (!waiting) return reply(404, 'NoSuchKey');
    if (url.searchParams.get('X-Amz-Signature') !== waiting.signature) return reply(403, 'SignatureDoesNotMatch');
    this.pending.delete(url.pathname);
    const body = Buffer.concat(chunks);
    waiting.resolve({ body: body.toString('utf8'), bytes: body.length });
    reply(200);
  }
}

import { randomUUID } from 'crypto';
import { ApiError, AwsReply, AwsRequest, EmulatedService, parseJson } from './aws-protocol';

/** A custom event that EventBridge accepted onto an account's default bus. */
export interface RecordedEvent {
  id: string;
  account: string;
  region: string;
  /** Always `default`: the only bus the emulator has. */
  bus: string;
  source: string;
  detailType: string;
  /** The entry's Detail, parsed. */
  detail: Record<string, unknown>;
  resources: string[];
  /** The entry's Time, or when PutEvents received it; to the second, as EventBridge puts it in the event. */
  time: string;
}

/** What the SDK sends for one entry: awsJson1_1, so Time is in epoch seconds. */
interface RequestEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  EventBusName?: string;
  Time?: number | string;
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const TARGET_PREFIX = 'AWSEvents.';
const MAX_ENTRIES = 10;
/** "The total entry size must be less than 256KB" (eb-putevent-size.html): 262,144 bytes is already too many. */
const MAX_TOTAL_ENTRY_BYTES = 256 * 1024;
/** What Time counts for in an entry's size, whatever its value. */
const TIME_BYTES = 14;
const REQUIRED_FIELDS = ['Source', 'DetailType', 'Detail'] as const;

/** An entry's size as EventBridge documents it (eb-putevent-size.html): neither the bus name nor the JSON around the fields counts. */
function entrySize(entry: RequestEntry): number {
  const bytes = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : 0);
  return (entry.Time !== undefined && entry.Time !== null ? TIME_BYTES : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail)
    + (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0);
}

/** Why EventBridge fails one entry, in its ErrorCode and ErrorMessage. */
class EntryError {
  constructor(readonly code: string, readonly message: string) {}
}

/**
 * Amazon EventBridge PutEvents in its awsJson1_1 protocol, for custom events onto the default bus. What AWS refuses
 * for the whole request (more than 10 entries, entries of 256 KB or more together, no complete entry) is an error;
 * what it refuses for one entry (a missing field, a Detail that is not a JSON object, an `aws.` source) fails that
 * entry only, with the ErrorCode the API reference lists. A bus other than the caller's default one fails its entry
 * with InvalidArgument: AWS accepts events for a bus that does not exist and drops them, which would hide the mistake.
 */
export class EventBridgeService implements EmulatedService {
  readonly events: RecordedEvent[] = [];

  async handle({ headers, body, call }: AwsRequest): Promise<AwsReply> {
    const target = String(headers['x-amz-target'] ?? '');
    call.operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    try {
      call.request = parseJson(body);
      if (target !== `${TARGET_PREFIX}PutEvents`) throw new ApiError('UnknownOperationException', `Unknown operation ${target}`, {}, 400);
      return json(200, this.putEvents(call.account, call.region, call.request as { Entries?: unknown }));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return this.errorReply(e.errorName, e.message, e.status ?? 400);
    }
  }

  errorReply(errorName: string, message: string, status: number): AwsReply {
    const reply = json(status, { __type: errorName, message });
    return { ...reply, headers: { ...reply.headers, 'x-amzn-errortype': errorName } };
  }

  private putEvents(account: string, region: string, request: { Entries?: unknown }) {
    const entries = request.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      const count = Array.isArray(entries) ? entries.length : 0;
      throw new ApiError('ValidationException', `1 validation error detected: Value at 'entries' failed to satisfy constraint: `
        + `Member must have length between 1 and ${MAX_ENTRIES} (it has ${count})`);
    }
    const size = (entries as RequestEntry[]).reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size >= MAX_TOTAL_ENTRY_BYTES) {
      throw new ApiError('ValidationException', `Total size of the entries in the request is over the limit: ${size} bytes, `
        + `counted as EventBridge documents; they must total less than ${MAX_TOTAL_ENTRY_BYTES}.`);
    }
    // Documented on PutEventsRequestEntry: a request none of whose entries has all three fails as a whole.
    if (!(entries as RequestEntry[]).some((entry) => REQUIRED_FIELDS.every((field) => isGiven(entry[field])))) {
      throw new ApiError('ValidationException', 'None of the entries has Source, DetailType and Detail, which EventBridge requires of each.');
    }
    const results: ResultEntry[] = (entries as RequestEntry[]).map((entry) => {
      try {
        const event = this.accept(account, region, entry);
        this.events.push(event);
        return { EventId: event.id };
      } catch (e) {
        if (!(e instanceof EntryError)) throw e;
        return { ErrorCode: e.code, ErrorMessage: e.message };
      }
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** The event an entry makes, or the EntryError that fails it. */
  private accept(account: string, region: string, entry: RequestEntry): RecordedEvent {
    const missing = REQUIRED_FIELDS.filter((field) => !isGiven(entry[field]));
    if (missing.length > 0) throw new EntryError('InvalidArgument', `Parameter(s) ${missing.join(', ')} must be specified.`);
    const { Source: source, DetailType: detailType, Detail: detailText } = entry as Required<RequestEntry>;
    if (source.startsWith('aws.')) throw new EntryError('NotAuthorizedForSourceException', `Not authorized for the source ${source}: aws. sources are the services' own.`);
    if (!isDefaultBus(entry.EventBusName, account, region)) {
      throw new EntryError('InvalidArgument', `Event bus ${entry.EventBusName} does not exist: account ${account} has only its default bus in ${region}.`);
    }
    const detail = parseObject(detailText);
    if (!detail) throw new EntryError('MalformedDetail', 'Detail is malformed: it must be a JSON object.');
    const time = timeOf(entry.Time);
    if (!time) throw new EntryError('InvalidArgument', `Parameter Time ${entry.Time} is not a timestamp.`);
    return { id: randomUUID(), account, region, bus: 'default', source, detailType, detail, resources: entry.Resources ?? [], time };
  }
}

const isGiven = (value: unknown) => typeof value === 'string' && value !== '';

/** The caller's default bus: no name, `default`, or its ARN in the caller's own account and region. */
function isDefaultBus(name: string | undefined, account: string, region: string): boolean {
  return name === undefined || name === 'default' || name === `arn:aws:events:${region}:${account}:event-bus/default`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** An ISO time to the second, from epoch seconds (what the SDK sends) or a date string; now when absent. */
function timeOf(time: number | string | undefined): string | undefined {
  const date = time === undefined ? new Date() : new Date(typeof time === 'number' ? time * 1000 : time);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function json(status: number, payload: unknown): Exclude<AwsReply, 'drop'> {
  return { status, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(payload) };
}

import { SERVICE_TEXT, shorten } from '../lib/summary';
import type { Log } from './log';

/**
 * The most bytes a failure message may take, JSON-escaped in UTF-8. CloudFormation refuses a custom resource
 * response over 4,096 bytes ("Response object is too long."), and the resource fails without our reason. The Provider
 * framework sends {Status, Reason, StackId, RequestId, PhysicalResourceId, LogicalResourceId}, the Reason being
 * this message, a blank line, "Logs: /aws/lambda/<function>" and a newline (with the stack's further lines, which
 * `reported` removes). At their longest (a 228-character stack id: partition aws-iso-b, region us-isob-east-1, a
 * 128-character stack name; a 255-character logical id; a 1,024-character physical id, CloudFormation's maximum,
 * though ours are ARNs of about 100; a 64-character function name) all but the message take 1,737 bytes, which
 * leaves 2,359. This budget keeps 311 of them spare: the longest FAILED body is 3,785 bytes, as
 * test/handler-responses.test.ts measures it with the framework's own code.
 */
export const FAILURE_MESSAGE_MAX_BYTES = 2048;

/**
 * A failure the handler has explained: its message names the cause, summarises what it lists and says what to do.
 * Anything else that reaches the top is unexpected, and is reported as such.
 */
export class ExplainedError extends Error {}

/**
 * What the Lambda runtime should report for whatever the handler threw: one line (the framework repeats a
 * message's further lines as the stack's frames), a stack of that line alone (a minified bundle's frames say
 * nothing in a failure reason), within FAILURE_MESSAGE_MAX_BYTES, cut visibly if need be.
 */
export function reported(thrown: unknown): Error {
  const text = thrown instanceof ExplainedError ? thrown.message
    : `The handler failed unexpectedly with ${nameOf(thrown)}: ${shorten(messageOf(thrown), SERVICE_TEXT)} (its stack is in the log)`;
  const error = new Error(withinBudget(oneLine(text)));
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/**
 * CloudWatch Logs keeps an event of at most 256 KB and cuts a longer one, which then is no longer JSON. A JSON
 * character takes at most 3 bytes in UTF-8, and escaped again in the log line.
 */
const LOG_PART_CHARS = 40_000;

/**
 * Logs the full error, as one JSON line: what the failure reason leaves out is here. An error too long for one log
 * event (hundreds of the service's details) is logged as its JSON text in numbered parts, to be joined. Never throws.
 */
export function logFailure(log: Log, thrown: unknown): void {
  let json: string;
  try {
    json = JSON.stringify(errorDetails(thrown));
  } catch {
    json = JSON.stringify({ name: nameOf(thrown), message: 'the error could not be written as JSON' });
  }
  if (json.length <= LOG_PART_CHARS) {
    log('failure', { error: JSON.parse(json) });
    return;
  }
  const parts = Math.ceil(json.length / LOG_PART_CHARS);
  for (let part = 1; part <= parts; part++) {
    log('failure', { part: `${part} of ${parts}`, errorJson: json.slice((part - 1) * LOG_PART_CHARS, part * LOG_PART_CHARS) });
  }
}

/** Name, message, stack, the service's reason and details, and the causes. */
function errorDetails(thrown: unknown, depth = 0): Record<string, unknown> {
  if (!(thrown instanceof Error)) return { name: nameOf(thrown), message: messageOf(thrown) };
  const e = thrown as Error & Record<string, unknown>;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    ...(e.Reason !== undefined && { reason: e.Reason }),
    ...(e.ErrorDetails !== undefined && { errorDetails: e.ErrorDetails }),
    // A cause that causes itself would never end.
    ...(e.cause !== undefined && depth < 5 && { cause: errorDetails(e.cause, depth + 1) }),
  };
}

/** A run of white space with a line break or another control character in it becomes one space. */
function oneLine(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, (run) => (/[\p{Cc}\u2028\u2029]/u.test(run) ? ' ' : run)).trim();
}

/** The text if it fits the budget, else as much of its start as fits with a note that says so. */
function withinBudget(text: string): string {
  if (escapedBytes(text) <= FAILURE_MESSAGE_MAX_BYTES) return text;
  const note = `… cut at ${FAILURE_MESSAGE_MAX_BYTES} bytes; the full message is in the log`;
  let room = FAILURE_MESSAGE_MAX_BYTES - escapedBytes(note);
  let kept = '';
  for (const char of text) {
    room -= escapedBytes(char);
    if (room < 0) break;
    kept += char;
  }
  return kept + note;
}

/** The bytes a text takes inside a JSON string, in UTF-8: what it adds to the response body. */
export function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

function nameOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.name : typeof thrown;
}

function messageOf(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  try {
    return String(thrown);
  } catch {
    return 'a value that cannot be written as text';
  }
}

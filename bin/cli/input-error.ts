/**
 * A problem with what the user gave the command (an option, a file, a profile), as one line that names it and says
 * what to do. The command prints it without a stack trace and exits 1: it is not a bug, and the trace would only
 * hide the line that matters.
 */
export class InputError extends Error {
  readonly name = 'InputError';
}

/** The first line of an error's message: the SDK's and Node's messages sometimes carry more. */
export const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split('\n')[0].trim();

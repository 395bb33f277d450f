/** Time kept back from the Lambda timeout so that a failure is reported as ours, not as "Task timed out". */
export const SAFETY_MARGIN_MS = 10_000;

/** The epoch milliseconds by which the handler must have given up. */
export function deadlineOf(context: { getRemainingTimeInMillis(): number }): number {
  return Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS;
}

/** Runs an SDK call with an abort signal that fires at the deadline, and says so when it does. */
export async function callWithinDeadline<T>(operation: string, deadline: number, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) throw new DeadlineError(operation, 0);
  const signal = AbortSignal.timeout(remaining);
  try {
    return await send(signal);
  } catch (e) {
    // Asked of the signal, not of the error's name: the SDK's own request timeout also throws a TimeoutError.
    if (signal.aborted) throw new DeadlineError(operation, remaining, e);
    throw e;
  }
}

export class DeadlineError extends Error {
  readonly name = 'DeadlineError';
  constructor(operation: string, remainingMs: number, cause?: unknown) {
    super(`${operation} did not finish within the ${remainingMs} ms left before the handler's deadline `
      + `(${SAFETY_MARGIN_MS / 1000} s before the Lambda timeout); the API was too slow or kept failing`, { cause });
  }
}

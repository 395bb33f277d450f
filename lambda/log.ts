/** Writes one JSON line per decision and API call, so CloudWatch Logs Insights can query them by field. */
export type Log = (message: string, fields?: Record<string, unknown>) => void;

export function createLog(base: Record<string, unknown>): Log {
  return (message, fields = {}) => console.log(JSON.stringify({ message, ...base, ...fields }));
}

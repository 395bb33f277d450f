/**
 * How often a monitor's schedule runs, read from its EventBridge expression at synth. The construct needs the
 * interval twice: to refuse a schedule that would check too often (cost, API throttling) or too rarely (drift
 * unnoticed for days), and as the period of its alarms, so that one run's metric is one alarm datapoint.
 */

/** The shortest interval allowed between two checks. */
export const MIN_INTERVAL_MINUTES = 5;
/** The longest interval allowed between two checks: once a day. */
export const MAX_INTERVAL_MINUTES = 24 * 60;

export const ALLOWED_SCHEDULES = `from every ${MIN_INTERVAL_MINUTES} minutes to once a day: rate(N minutes|hours|days), `
  + 'or a cron that runs every day, cron(minutes hours * * ? *) (day-of-month * or ?, month *, day-of-week * or ?, year * or absent)';

/** A schedule the monitor cannot use; the message says what is wrong with it, the caller says where and what is allowed. */
export class InvalidScheduleError extends Error {
  readonly name = 'InvalidScheduleError';
}

const MINUTES_PER_UNIT: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 };

/**
 * The interval in minutes between two runs of a rate, or the smallest one between two consecutive runs of a daily
 * cron (over the whole day, from the last run to the next day's first included). Throws an InvalidScheduleError
 * for an expression it cannot tell, or whose interval is out of bounds.
 */
export function scheduleIntervalMinutes(expression: string): number {
  const minutes = intervalOf(expression);
  if (minutes < MIN_INTERVAL_MINUTES) throw new InvalidScheduleError(`${expression} runs every ${describeMinutes(minutes)}, more often than every ${MIN_INTERVAL_MINUTES} minutes`);
  if (minutes > MAX_INTERVAL_MINUTES) throw new InvalidScheduleError(`${expression} runs every ${describeMinutes(minutes)}, less often than once a day`);
  return minutes;
}

function intervalOf(expression: string): number {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) {
    const minutes = Number(rate[1]) * MINUTES_PER_UNIT[rate[2]];
    if (minutes === 0) throw new InvalidScheduleError(`${expression} has a rate of zero`);
    return minutes;
  }
  if (expression.startsWith('rate(')) throw new InvalidScheduleError(`${expression} is not a rate of N minutes, hours or days`);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return smallestCronGap(expression, cron[1].trim().split(/\s+/));
  throw new InvalidScheduleError(`${expression} is neither a rate(...) nor a cron(...) expression, so it does not run at a regular interval`);
}

function smallestCronGap(expression: string, fields: string[]): number {
  if (fields.length !== 5 && fields.length !== 6) {
    throw new InvalidScheduleError(`${expression} has ${fields.length} fields; a cron has minutes, hours, day-of-month, month, day-of-week and year`);
  }
  const [minuteField, hourField, dayOfMonth, month, dayOfWeek, year = '*'] = fields;
  const anyDay = (field: string) => field === '*' || field === '?';
  if (!anyDay(dayOfMonth) || month !== '*' || !anyDay(dayOfWeek) || year !== '*') {
    // The gap between two checks would depend on the calendar: days without a run leave drift unnoticed for longer.
    throw new InvalidScheduleError(`${expression} does not run every day (day-of-month ${dayOfMonth}, month ${month}, `
      + `day-of-week ${dayOfWeek}, year ${year}), so drift could go unnoticed for more than a day`);
  }
  const minutes = valuesOf(expression, 'minutes', minuteField, 59);
  const hours = valuesOf(expression, 'hours', hourField, 23);
  const runs = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute)).sort((a, b) => a - b);
  // From the day's last run to the next day's first: with one run a day, that is the whole day.
  let smallest = runs[0] + MAX_INTERVAL_MINUTES - runs[runs.length - 1];
  for (let i = 1; i < runs.length; i++) smallest = Math.min(smallest, runs[i] - runs[i - 1]);
  return smallest;
}

/** The values of a minutes or hours field: `*`, `n`, `a-b`, `*\/n`, `a/n`, `a-b/n`, and comma-separated lists of them. */
function valuesOf(expression: string, name: string, field: string, max: number): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    const problem = (why: string) => new InvalidScheduleError(`${expression} has ${why} in its ${name} field (${field}); `
      + `allowed there: *, numbers from 0 to ${max}, ranges a-b, lists a,b and steps */n, a/n, a-b/n`);
    if (!match) throw problem(`'${item}', which the monitor does not understand,`);
    const [, star, from, to, step] = match;
    const start = star ? 0 : Number(from);
    // `a/n` runs from a to the end of the field, like `a-max/n`.
    const end = star || (step !== undefined && to === undefined) ? max : Number(to ?? from);
    const increment = step === undefined ? 1 : Number(step);
    if (start > max || end > max) throw problem(`'${item}', out of range,`);
    if (start > end) throw problem(`'${item}', a range that ends before it starts,`);
    if (increment === 0) throw problem(`'${item}', a step of zero,`);
    for (let value = start; value <= end; value += increment) values.add(value);
  }
  return [...values];
}

function describeMinutes(minutes: number): string {
  if (minutes % MAX_INTERVAL_MINUTES === 0) return plural(minutes / MAX_INTERVAL_MINUTES, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

function plural(n: number, unit: string): string {
  return n === 1 ? unit : `${n} ${unit}s`;
}

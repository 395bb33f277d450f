import { InvalidScheduleError, scheduleIntervalMinutes } from '../lib/monitor-schedule';

describe('the interval of a rate', () => {
  test.each([
    ['rate(5 minutes)', 5],
    ['rate(90 minutes)', 90],
    ['rate(1 hour)', 60],
    ['rate(12 hours)', 720],
    ['rate(1 day)', 1440],
  ])('%s runs every %d minutes', (expression, minutes) => {
    expect(scheduleIntervalMinutes(expression)).toBe(minutes);
  });

  test.each([
    ['rate(4 minutes)', 'runs every 4 minutes, more often than every 5 minutes'],
    ['rate(1 minute)', 'runs every minute, more often than every 5 minutes'],
    ['rate(0 minutes)', 'has a rate of zero'],
    ['rate(25 hours)', 'runs every 25 hours, less often than once a day'],
    ['rate(2 days)', 'runs every 2 days, less often than once a day'],
    ['rate(1 week)', 'is not a rate of N minutes, hours or days'],
    ['at(2030-01-01T00:00:00)', 'is neither a rate(...) nor a cron(...) expression, so it does not run at a regular interval'],
  ])('%s is refused: %s', (expression, why) => {
    expect(() => scheduleIntervalMinutes(expression)).toThrow(new InvalidScheduleError(`${expression} ${why}`));
  });
});

describe('the smallest interval of a daily cron', () => {
  test.each([
    ['cron(0 6 * * ? *)', 1440, 'once a day: from one day\'s run to the next'],
    ['cron(0 6 * * ?)', 1440, 'five fields: no year'],
    ['cron(0 6 ? * * *)', 1440, 'day-of-week * with day-of-month ?'],
    ['cron(0 6,18 * * ? *)', 720, 'a list of hours'],
    ['cron(30 23,1 * * ? *)', 120, 'wrap-around: from 23:30 to 01:30 the next day'],
    ['cron(0 0-23/6 * * ? *)', 360, 'a stepped range of hours'],
    ['cron(0 */8 * * ? *)', 480, 'a stepped star'],
    ['cron(0/15 * * * ? *)', 15, 'a/n: from 0 to 59 every 15'],
    ['cron(5-40/15 * * * ? *)', 15, 'a-b/n: 5, 20 and 35'],
    ['cron(10,20 * * * ? *)', 10, 'a list of minutes: 10 apart, then 50 to the next hour'],
    ['cron(0,55 * * * ? *)', 5, 'from :55 to the next hour\'s :00'],
    ['cron(0-10/5,30 9 * * ? *)', 5, 'a list of a stepped range and a number'],
  ])('%s: %d minutes (%s)', (expression, minutes) => {
    expect(scheduleIntervalMinutes(expression)).toBe(minutes);
  });

  test.each([
    ['cron(*/2 * * * ? *)', 'runs every 2 minutes, more often than every 5 minutes'],
    ['cron(* 6 * * ? *)', 'runs every minute, more often than every 5 minutes'],
    ['cron(0,5-7 12 * * ? *)', 'runs every minute, more often than every 5 minutes'],
    ['cron(0 6 ? * MON *)', 'does not run every day (day-of-month ?, month *, day-of-week MON, year *)'],
    ['cron(0 6 1 * ? *)', 'does not run every day (day-of-month 1, month *, day-of-week ?, year *)'],
    ['cron(0 6 * 1-6 ? *)', 'does not run every day (day-of-month *, month 1-6, day-of-week ?, year *)'],
    ['cron(0 6 * * ? 2030)', 'does not run every day (day-of-month *, month *, day-of-week ?, year 2030)'],
    ['cron(0 6 * *)', 'has 4 fields; a cron has minutes, hours, day-of-month, month, day-of-week and year'],
  ])('%s is refused: %s', (expression, why) => {
    expect(() => scheduleIntervalMinutes(expression)).toThrow(`${expression} ${why}`);
  });

  test.each([
    ['cron(60 6 * * ? *)', "'60', out of range, in its minutes field (60)"],
    ['cron(0 24 * * ? *)', "'24', out of range, in its hours field (24)"],
    ['cron(0 20-4 * * ? *)', "'20-4', a range that ends before it starts, in its hours field (20-4)"],
    ['cron(0/0 6 * * ? *)', "'0/0', a step of zero, in its minutes field (0/0)"],
    ['cron(0 6L * * ? *)', "'6L', which the monitor does not understand, in its hours field (6L)"],
    ['cron(0 1,,2 * * ? *)', "'', which the monitor does not understand, in its hours field (1,,2)"],
  ])('%s is refused with what the field allows', (expression, why) => {
    expect(() => scheduleIntervalMinutes(expression)).toThrow(`${expression} has ${why}; allowed there: *, numbers from 0 to `);
  });
});

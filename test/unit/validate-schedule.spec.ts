import { describe, expect, it, jest } from '@jest/globals';
import { CronExpression } from '@nestjs/schedule';
import { PgBoss } from 'pg-boss';
import {
  MAX_SCHEDULE_EXPRESSION_LENGTH,
  scheduleExpressionProblem,
  type PreviewSchedule,
} from '../../lib/declare/validate-schedule.util.js';

// pg-boss's own parser, as bootstrap and schedule() use it; an unstarted PgBoss opens no connection.
const boss = new PgBoss({ connectionString: 'postgres://nest-pg-jobs-unit.invalid/none' });
const preview: PreviewSchedule = (expression, tz, count) => boss.previewSchedule(expression, { tz, count });
const problem = (expression: unknown, tz?: string) => scheduleExpressionProblem(expression, tz, preview);

const SUB_MINUTE = ['EVERY_SECOND', 'EVERY_5_SECONDS', 'EVERY_10_SECONDS', 'EVERY_30_SECONDS'] as const;

describe('scheduleExpressionProblem', () => {
  it.each(SUB_MINUTE)('refuses CronExpression.%s: it would run once a minute, not as written', (name) => {
    expect(problem(CronExpression[name])).toBe(
      `cron ${JSON.stringify(CronExpression[name])} fires more than once a minute (six fields: the first is seconds), ` +
        "but a schedule's resolution is one minute: pg-boss sends at most one job per schedule each minute, so it " +
        'would run once a minute, not as written. Write five fields (minute hour day month weekday), e.g. "* * * * *" ' +
        'for every minute, or give the seconds field one value ("0 */5 * * * *"); for work every few seconds, loop ' +
        'inside one job or send jobs with startAfter',
    );
  });

  it('accepts every other CronExpression, six-field ones with one second included', () => {
    const others = Object.entries(CronExpression).filter(([name]) => !(SUB_MINUTE as readonly string[]).includes(name));
    expect(others.length).toBeGreaterThan(60);
    expect(others.filter(([, cron]) => problem(cron) !== undefined)).toEqual([]);
  });

  it.each([
    ['several seconds in a minute it rarely matches', '0,30 0 0 1 1 *', 'UTC'],
    ['a seconds range', '10-20 * * * * *', 'UTC'],
    ['several seconds in a time zone', '*/15 0 9 * * 1-5', 'Europe/Berlin'],
  ])('refuses a six-field cron with %s', (_label, cron, tz) => {
    expect(problem(cron, tz)).toMatch(/fires more than once a minute \(six fields: the first is seconds\)/);
  });

  it.each(['0 3 * * *', '* * * * *', '15 * * * * *', '0 0 29 2 *'])('accepts %s', (cron) => {
    expect(problem(cron)).toBeUndefined();
  });

  it.each([
    ['FREQ=SECONDLY'],
    ['FREQ=SECONDLY;INTERVAL=45'],
    ['FREQ=MINUTELY;BYSECOND=0,30'],
    ['FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0,1'],
    ['DTSTART:20260101T090000Z\nRRULE:FREQ=SECONDLY;INTERVAL=30;BYHOUR=9;BYMINUTE=0'],
  ])('refuses the RRULE %j: it fires more than once a minute', (rule) => {
    expect(problem(rule)).toMatch(
      /^rrule ".*" fires more than once a minute \(FREQ=SECONDLY, or several BYSECOND values\), but a schedule's resolution is one minute: .* Use FREQ=MINUTELY or coarser with at most one BYSECOND value;/,
    );
  });

  it.each([
    ['FREQ=DAILY;BYHOUR=9'],
    ['FREQ=MINUTELY'],
    ['FREQ=MINUTELY;BYSECOND=15'],
    ['FREQ=SECONDLY;INTERVAL=60'],
    ['FREQ=SECONDLY;BYSECOND=0'],
    ['DTSTART;TZID=Europe/Berlin:20260101T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE\nEXDATE;TZID=Europe/Berlin:20261224T090000'],
  ])('accepts the RRULE %j (pg-boss 12 schedules RRULEs as well as cron)', (rule) => {
    expect(problem(rule, 'Europe/Berlin')).toBeUndefined();
  });

  it('refuses an expression over the length limit before anything parses it, quoting only its start', () => {
    const parse = jest.fn(preview);
    const huge = `FREQ=DAILY;BYHOUR=9\nEXDATE:${'20270101T090000,'.repeat(82_000)}20270102T090000`;
    expect(huge.length).toBeGreaterThan(1_300_000);
    const message = scheduleExpressionProblem(huge, undefined, parse);
    expect(parse).not.toHaveBeenCalled();
    expect(message).toBe(
      `cron ${JSON.stringify(huge.slice(0, 60)).slice(0, -1)}…" (${huge.length} characters) is over the 4096-character limit: ` +
        'pg-boss parses the expression on every scheduler pass, blocking the event loop while it does. A cron ' +
        'expression is five fields; split an RRULE with long EXDATE or RDATE lists into several schedules, each ' +
        'with its own key',
    );
  });

  it('accepts an RRULE of exactly the limit, with a long EXDATE list', () => {
    const head = 'FREQ=DAILY;BYHOUR=9\nEXDATE:';
    const dates = Array.from({ length: 300 }, (_, i) => {
      const day = new Date(Date.UTC(2030, 0, 1) + i * 86_400_000);
      return `${day.toISOString().slice(0, 10).replaceAll('-', '')}T090000`;
    }).join(',');
    const rule = `${head}${dates}`.slice(0, MAX_SCHEDULE_EXPRESSION_LENGTH).replace(/,[^,]*$/, '');
    const padded = rule + ' '.repeat(MAX_SCHEDULE_EXPRESSION_LENGTH - rule.length);
    expect(padded).toHaveLength(MAX_SCHEDULE_EXPRESSION_LENGTH);
    expect(problem(padded)).toBeUndefined();
    expect(problem(`${padded} `)).toMatch(/is over the 4096-character limit/);
  });

  it.each([
    [5, 'cron must be a non-empty string, got 5'],
    ['  ', 'cron must be a non-empty string, got "  "'],
    [undefined, 'cron must be a non-empty string, got undefined'],
  ])('refuses %j: not a non-empty string', (value, message) => {
    expect(problem(value)).toBe(message);
  });

  it('reports what pg-boss finds wrong, with the time zone', () => {
    expect(problem('61 * * * *')).toMatch(/^cron "61 \* \* \* \*" is invalid: /);
    expect(problem('0 3 * * *', 'Mars/Olympus')).toMatch(/^cron "0 3 \* \* \*" with tz "Mars\/Olympus" is invalid: Unknown or unsupported time zone/);
  });
});

describe('scheduleExpressionProblem: echoed expressions and time zones, as every other message quotes a value', () => {
  it('escapes Unicode line separators and C1 controls, which JSON.stringify leaves as they are', () => {
    const message = problem('61 * * * *\u2028FAKE LOG LINE', 'Europe/Berlin\u0085x')!;
    expect(message).toMatch(/^cron "61 \* \* \* \*\\u2028FAKE LOG LINE" with tz "Europe\/Berlin\\u0085x" is invalid: /);
    expect(message).not.toMatch(/[\u2028\u0085]/);
  });

  it('cuts a long expression the way describeValue cuts every echoed string', () => {
    const long = `61 ${'*'.repeat(200)}`;
    expect(problem(long)).toMatch(new RegExp(`^cron "61 \\*{117}…" \\(203 characters\\) is invalid: `));
  });
});

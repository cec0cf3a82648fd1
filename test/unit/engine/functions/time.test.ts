// Time functions: now/today from the context, rounding down (pre-1970, leap days, week starts),
// parts, unix timestamps, date_diff boundary counting, date_add clamping, interval helpers,
// format_datetime, NULLs, empty input and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addIntervalMonths, addIntervalMs } from '../../../../src/engine/functions/index.ts';
import { CONTEXT, T, call, lit, ms, numCol, resolveFails, returnTypeOf, run, strCol, throwsDb, timeCol, valuesOf } from './support.ts';

const DAY = 86_400_000;

describe('now, today, earliest_ts', () => {
  it('come from the context, in each type unit', () => {
    assert.deepEqual(run('now', [], 2), [Math.floor(CONTEXT.nowMs / 1000), Math.floor(CONTEXT.nowMs / 1000)]);
    assert.deepEqual(run('now64', [], 1), [CONTEXT.nowMs]);
    assert.deepEqual(run('now64', [lit(3)], 1), [CONTEXT.nowMs]);
    assert.deepEqual(run('today', [], 1), [Math.floor(CONTEXT.nowMs / DAY)]);
    assert.deepEqual(run('earliest_ts', [], 1), [0]);
    assert.deepEqual(returnTypeOf('now', []), T.datetime());
    assert.deepEqual(returnTypeOf('now64', []), T.datetime64());
    assert.deepEqual(returnTypeOf('today', []), T.date);
    assert.deepEqual(run('now', [], 0), []);
    resolveFails('now', [T.int32], 'function now takes no arguments, got 1');
    resolveFails('now64', [T.int32], 'function now64: only precision 3 (milliseconds) is supported', [6]);
  });
});

describe('to_start_of_*', () => {
  const t = timeCol(['2024-02-29 13:47:59.999', '1969-12-31 23:59:59.999', null]);
  const cases: readonly [string, (string | null)[]][] = [
    ['to_start_of_second', ['2024-02-29 13:47:59', '1969-12-31 23:59:59', null]],
    ['to_start_of_minute', ['2024-02-29 13:47:00', '1969-12-31 23:59:00', null]],
    ['to_start_of_five_minutes', ['2024-02-29 13:45:00', '1969-12-31 23:55:00', null]],
    ['to_start_of_ten_minutes', ['2024-02-29 13:40:00', '1969-12-31 23:50:00', null]],
    ['to_start_of_fifteen_minutes', ['2024-02-29 13:45:00', '1969-12-31 23:45:00', null]],
    ['to_start_of_hour', ['2024-02-29 13:00:00', '1969-12-31 23:00:00', null]],
    ['to_start_of_day', ['2024-02-29 00:00:00', '1969-12-31 00:00:00', null]],
    ['to_start_of_week', ['2024-02-25 00:00:00', '1969-12-28 00:00:00', null]],
    ['to_monday', ['2024-02-26 00:00:00', '1969-12-29 00:00:00', null]],
    ['to_start_of_month', ['2024-02-01 00:00:00', '1969-12-01 00:00:00', null]],
    ['to_start_of_quarter', ['2024-01-01 00:00:00', '1969-10-01 00:00:00', null]],
    ['to_start_of_year', ['2024-01-01 00:00:00', '1969-01-01 00:00:00', null]],
  ];
  for (const [name, expected] of cases) {
    it(`${name} keeps datetime64 and floors pre-1970 times`, () => {
      assert.deepEqual(run(name, [t]), expected.map((e) => (e === null ? null : ms(e))));
      assert.deepEqual(returnTypeOf(name, [T.datetime64()]), T.datetime64());
      assert.deepEqual(run(name, [numCol([], T.datetime64())]), []);
    });
  }

  it('week mode 1 starts on Monday', () => {
    assert.deepEqual(run('to_start_of_week', [t, lit(1)]), [ms('2024-02-26'), ms('1969-12-29'), null]);
  });

  it('datetime and date inputs', () => {
    const seconds = numCol([ms('2024-02-29 13:47:59') / 1000], T.datetime());
    assert.deepEqual(run('toStartOfMinute', [seconds]), [ms('2024-02-29 13:47:00') / 1000]);
    assert.deepEqual(returnTypeOf('to_start_of_month', [T.datetime()]), T.datetime());
    const date = numCol([19_782], T.date); // 2024-02-29
    assert.deepEqual(run('to_start_of_month', [date]), [19_754]);
    assert.deepEqual(returnTypeOf('to_start_of_month', [T.date]), T.date);
    assert.deepEqual(returnTypeOf('to_start_of_day', [T.date]), T.date);
    assert.deepEqual(returnTypeOf('to_start_of_hour', [T.date]), T.datetime());
    assert.deepEqual(run('to_start_of_hour', [date]), [19_782 * 86_400]);
    assert.deepEqual(returnTypeOf('to_start_of_day', [T.nullable(T.datetime64())]), T.datetime64());
  });

  it('errors', () => {
    resolveFails('to_start_of_minute', [T.string], 'function to_start_of_minute: argument 1 must be a time (date, datetime or datetime64), got string');
    resolveFails('to_start_of_hour', [], 'function to_start_of_hour takes 1 argument, got 0');
    resolveFails('to_start_of_week', [T.datetime64(), T.int32], 'function to_start_of_week: argument 2 must be a constant integer, got int32');
  });
});

describe('parts', () => {
  it('year … millisecond, pre-1970 and leap days', () => {
    const t = timeCol(['2024-02-29 13:47:59.123', '1969-12-31 23:59:59.999', '2026-01-04 00:00:00', null]);
    const expected: Record<string, (number | null)[]> = {
      to_year: [2024, 1969, 2026, null],
      to_quarter: [1, 4, 1, null],
      to_month: [2, 12, 1, null],
      to_day_of_month: [29, 31, 4, null],
      to_day_of_week: [4, 3, 7, null],
      to_day_of_year: [60, 365, 4, null],
      to_hour: [13, 23, 0, null],
      to_minute: [47, 59, 0, null],
      to_second: [59, 59, 0, null],
      to_millisecond: [123, 999, 0, null],
    };
    for (const [name, values] of Object.entries(expected)) {
      assert.deepEqual(run(name, [t]), values, name);
      assert.deepEqual(run(name, [numCol([], T.date)]), [], name);
    }
    assert.deepEqual(run('to_year', [numCol([-719_468], T.date)]), [0]);
    assert.deepEqual(run('toDayOfWeek', [numCol([0], T.date)]), [4]); // 1970-01-01 was a Thursday
    assert.deepEqual(run('to_hour', [numCol([3600 * 5 + 1], T.datetime())]), [5]);
    assert.deepEqual(returnTypeOf('to_year', [T.datetime()]), T.uint16);
    resolveFails('to_year', [T.int32], 'function to_year: argument 1 must be a time (date, datetime or datetime64), got int32');
  });
});

describe('unix timestamps', () => {
  it('to_unix_timestamp floors to seconds and reads text', () => {
    assert.deepEqual(run('to_unix_timestamp', [timeCol(['2026-01-01 00:00:00.999', '1969-12-31 23:59:59.5', null])]), [1_767_225_600, -1, null]);
    assert.deepEqual(run('to_unix_timestamp', [strCol(['2026-01-01 00:00:00'])]), [1_767_225_600]);
    assert.deepEqual(run('to_unix_timestamp', [numCol([1], T.date)]), [86_400]);
    assert.deepEqual(run('to_unix_timestamp64_milli', [timeCol(['2026-01-01 00:00:00.123'])]), [1_767_225_600_123]);
    assert.deepEqual(run('toUnixTimestamp64Milli', [numCol([5], T.datetime())]), [5000]);
    throwsDb(() => call('to_unix_timestamp', [strCol(['nope'])]), 'INVALID_VALUE', "cannot convert 'nope' to datetime64(3) (row 1)");
    resolveFails('to_unix_timestamp', [T.float64], 'function to_unix_timestamp: argument 1 must be a time (date, datetime or datetime64 or string), got float64');
  });

  it('from_unix_timestamp64_milli and from_unix_timestamp', () => {
    assert.deepEqual(run('from_unix_timestamp64_milli', [numCol([1_767_225_600_123, -1, null], T.int64)]), [1_767_225_600_123, -1, null]);
    assert.deepEqual(returnTypeOf('from_unix_timestamp64_milli', [T.int64]), T.datetime64());
    assert.deepEqual(run('from_unix_timestamp', [numCol([60], T.int64)]), [60]);
    throwsDb(() => call('from_unix_timestamp', [numCol([-1], T.int64)]), 'INVALID_VALUE', 'outside the range of datetime (row 1)');
    throwsDb(() => call('from_unix_timestamp64_milli', [numCol([1e20])]), 'INVALID_VALUE', 'outside the range of datetime64');
  });
});

describe('date_diff', () => {
  const a = timeCol(['2026-01-01 00:59:59', '2025-12-31 23:59:59', '2024-01-31 00:00:00', '2026-01-04 00:00:00', '1969-12-31 23:59:59', null]);
  const b = timeCol(['2026-01-01 01:00:00', '2026-01-01 00:00:00', '2024-02-01 00:00:00', '2026-01-05 00:00:00', '1970-01-01 00:00:00', '2026-01-01']);
  const cases: Record<string, (number | null)[]> = {
    second: [1, 1, 86_400, 86_400, 1, null],
    minute: [1, 1, 1440, 1440, 1, null],
    hour: [1, 1, 24, 24, 1, null],
    day: [0, 1, 1, 1, 1, null],
    week: [0, 0, 0, 1, 0, null],
    month: [0, 1, 1, 0, 1, null],
    quarter: [0, 1, 0, 0, 1, null],
    year: [0, 1, 0, 0, 1, null],
  };
  for (const [unit, expected] of Object.entries(cases)) {
    it(`counts ${unit} boundaries crossed`, () => assert.deepEqual(run('date_diff', [lit(unit), a, b]), expected));
  }

  it('short units, negative differences, mixed kinds and text', () => {
    assert.deepEqual(run('date_diff', [lit('s'), b, a]), [-1, -1, -86_400, -86_400, -1, null]);
    assert.deepEqual(run('dateDiff', [lit('h'), numCol([0], T.date), timeCol(['1970-01-02 01:00:00'])]), [25]);
    assert.deepEqual(run('date_diff', [lit('d'), lit('2024-02-28'), lit('2024-03-01')]), [2]);
    assert.deepEqual(run('date_diff', [lit('m'), numCol([], T.datetime64()), numCol([], T.datetime64())]), []);
    resolveFails('date_diff', [T.string, T.datetime64(), T.datetime64()], "function date_diff: argument 1 must be a constant string (a unit such as 'second'), got string");
    resolveFails('date_diff', [T.string, T.datetime64(), T.datetime64()], "function date_diff: unknown unit 'fortnight'", ['fortnight']);
    resolveFails('date_diff', [T.string, T.int32, T.datetime64()], 'function date_diff: argument 2 must be a time', ['day']);
    resolveFails('date_diff', [T.string, T.datetime64()], 'function date_diff takes 3 arguments, got 2', ['day']);
  });
});

describe('date_add / date_sub and interval helpers', () => {
  it('fixed units and calendar months with clamping', () => {
    const t = timeCol(['2024-01-31 10:00:00', '2024-02-29 00:00:00', null]);
    assert.deepEqual(run('date_add', [lit('month'), lit(1), t]), [ms('2024-02-29 10:00:00'), ms('2024-03-29'), null]);
    assert.deepEqual(run('date_add', [lit('year'), lit(1), t]), [ms('2025-01-31 10:00:00'), ms('2025-02-28'), null]);
    assert.deepEqual(run('date_sub', [lit('hour'), lit(11), t]), [ms('2024-01-30 23:00:00'), ms('2024-02-28 13:00:00'), null]);
    assert.deepEqual(run('date_add', [lit('d'), numCol([1, -1, 0], T.int32), t]), [ms('2024-02-01 10:00:00'), ms('2024-02-28'), null]);
    assert.deepEqual(run('date_sub', [lit('quarter'), lit(1), timeCol(['2024-05-31'])]), [ms('2024-02-29')]);
  });

  it('a date plus hours becomes a datetime', () => {
    assert.deepEqual(returnTypeOf('date_add', [T.string, T.int32, T.date], ['hour']), T.datetime());
    assert.deepEqual(run('date_add', [lit('hour'), lit(1), numCol([1], T.date)]), [86_400 + 3600]);
    assert.deepEqual(run('date_add', [lit('day'), lit(1), numCol([1], T.date)]), [2]);
    throwsDb(() => call('date_sub', [lit('second'), lit(1), numCol([0], T.datetime())]), 'INVALID_VALUE', 'function date_sub: result is outside the range of datetime (row 1)');
    resolveFails('date_add', [T.string, T.string, T.date], 'function date_add: argument 2 must be a number, got string', ['day']);
  });

  it('addIntervalMs keeps the type, floors to its unit, and keeps NULLs', () => {
    const t = timeCol(['2026-01-01 00:00:00', null]);
    const shifted = addIntervalMs(t, -2 * DAY);
    assert.deepEqual(shifted.type, t.type);
    assert.deepEqual(valuesOf(shifted), [ms('2025-12-30'), null]);
    assert.deepEqual(valuesOf(addIntervalMs(numCol([10], T.date), -3_600_000)), [9]);
    assert.deepEqual(valuesOf(addIntervalMs(numCol([10], T.datetime()), 1500)), [11]);
    assert.deepEqual(valuesOf(addIntervalMs(numCol([5], T.datetime64()), 0.5)), [5]);
    throwsDb(() => addIntervalMs(numCol([0], T.datetime()), -1000), 'INVALID_VALUE', 'outside the range of datetime (row 1)');
    throwsDb(() => addIntervalMs(strCol(['x']), 1), 'INVALID_ARGUMENT', 'time + interval');
    assert.deepEqual(valuesOf(addIntervalMs(numCol([], T.datetime64()), 1)), []);
  });

  it('addIntervalMonths clamps days and works before 1970', () => {
    const t = timeCol(['2024-03-31 12:00:00', '1969-03-31 00:00:00']);
    assert.deepEqual(valuesOf(addIntervalMonths(t, -1)), [ms('2024-02-29 12:00:00'), ms('1969-02-28')]);
    assert.deepEqual(valuesOf(addIntervalMonths(t, 12)), [ms('2025-03-31 12:00:00'), ms('1970-03-31')]);
    assert.deepEqual(valuesOf(addIntervalMonths(numCol([19_782], T.date), 12)), [19_782 + 365]); // 2024-02-29 → 2025-02-28
  });
});

describe('format_datetime', () => {
  it('codes', () => {
    const t = timeCol(['2024-02-09 13:07:05.123', null]);
    assert.deepEqual(run('format_datetime', [t, lit('%Y-%m-%d %H:%M:%S')]), ['2024-02-09 13:07:05', null]);
    assert.deepEqual(run('format_datetime', [t, lit('%y|%e|%I%p|%i|%f|%F %T|%D|%j|%u|%w|%a %b|%W %B|%Q|%%')]), [
      '24| 9|01PM|07|123000|2024-02-09 13:07:05|02/09/24|040|5|5|Fri Feb|Friday February|1|%',
      null,
    ]);
    assert.deepEqual(run('formatDateTime', [numCol([-1], T.date), lit('%Y/%m/%d')]), ['1969/12/31']);
    resolveFails('format_datetime', [T.datetime64(), T.string], "function format_datetime: unknown format code '%Z'", [undefined, '%Z']);
    resolveFails('format_datetime', [T.datetime64(), T.string], 'function format_datetime: argument 2 must be a constant string (a format), got string');
  });
});

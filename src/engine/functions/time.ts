// Time functions, UTC only (a type's timezone is carried, never applied; calendar.ts):
//   now() → datetime, now64([3]) → datetime64(3), today() → date: EvalContext.nowMs, fixed per query;
//   earliest_ts() → datetime64(3) 0, the epoch (the planner also reads it as "seek to the start");
//   to_start_of_second|minute|five_minutes|ten_minutes|fifteen_minutes|hour|day|week|month|quarter|year,
//     to_monday: keep the input's type, except that a date rounded to a unit below a day becomes a
//     datetime (ClickHouse); to_start_of_week(t[, mode]) starts weeks on Sunday (mode 0, the
//     ClickHouse default) or Monday (mode 1);
//   to_year, to_quarter, to_month, to_day_of_month, to_day_of_week (1 = Monday), to_day_of_year,
//     to_hour, to_minute, to_second, to_millisecond;
//   to_unix_timestamp (whole seconds, int64 so pre-1970 times are negative; also takes time text),
//     to_unix_timestamp64_milli → int64, from_unix_timestamp64_milli → datetime64(3);
//   date_diff(unit, a, b): b − a counted as unit boundaries crossed (ClickHouse): for fixed units
//     floor(b / unit) − floor(a / unit), weeks start on Monday, months and years by calendar;
//   date_add(unit, n, t) / date_sub: t's type (a date plus hours becomes a datetime); months clamp
//     the day (Jan 31 + 1 month = Feb 28/29);
//   format_datetime(t, fmt): see FORMAT_CODES.
// Units: millisecond|ms, second|s, minute|m, hour|h, day|d, week|w, month, quarter|q, year|y, plus
// plurals and ClickHouse's ss, mi, hh, dd, wk, mm, qq, yy, yyyy.
// Intervals (`t + 5s`) are the compiler's; it calls addIntervalMs / addIntervalMonths below.
import { DbError } from '../../core/errors.ts';
import { type DataType, type DataTypeKind, T } from '../../types/data-type.ts';
import { type Col, baseType } from '../column.ts';
import {
  DATETIME_SECONDS_MAX,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  TIME_MS_ABS_MAX,
  addMonthsToMs,
  civilDay,
  civilFromDays,
  civilMonth,
  civilYear,
  dayOfWeekOfDays,
  daysFromCivil,
  daysOfMs,
  formatDateTimeMs,
  msPerUnit,
} from './calendar.ts';
import { castCol } from './cast.ts';
import type { ScalarFunctionDef } from './function.ts';
import {
  EXPECT_TIME,
  checkArity,
  constantInteger,
  constantString,
  expectPlainNumber,
  expectTime,
  filledNumbers,
  isStringLike,
  isTime,
  kindOf,
  numberCol,
  numbers,
  propagating,
  typeError,
  unionNulls,
} from './support.ts';

// ---------------------------------------------------------------------------------------------
// Intervals (used by the compiler for `time ± interval`)

/**
 * Adds `ms` (may be negative or fractional) to a date, datetime or datetime64 column. The result
 * keeps the column's type, so it is floored to the type's unit (a date minus 1h is the day before).
 * NULL rows stay NULL. A result outside the type's range is INVALID_VALUE naming the row.
 */
export function addIntervalMs(col: Col, ms: number): Col {
  const kind = timeKindOf(col, 'time + interval');
  const scale = msPerUnit(kind);
  const source = numbers(col, 'time + interval');
  const rowCount = source.length;
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = Math.floor((source[i] * scale + ms) / scale);
  checkTimeRange('time + interval', kind, out, col.nulls);
  return { type: col.type, values: out, nulls: col.nulls };
}

/** Adds calendar months (fractions truncate), clamping the day to the month's length. */
export function addIntervalMonths(col: Col, months: number): Col {
  const kind = timeKindOf(col, 'time + interval');
  const scale = msPerUnit(kind);
  const whole = Math.trunc(months);
  const source = numbers(col, 'time + interval');
  const rowCount = source.length;
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = Math.floor(addMonthsToMs(source[i] * scale, whole) / scale);
  checkTimeRange('time + interval', kind, out, col.nulls);
  return { type: col.type, values: out, nulls: col.nulls };
}

function timeKindOf(col: Col, what: string): DataTypeKind {
  const kind = baseType(col.type).kind;
  if (kind !== 'date' && kind !== 'datetime' && kind !== 'datetime64') {
    throw new DbError('INVALID_ARGUMENT', `${what}: expected ${EXPECT_TIME}, got ${kind}`);
  }
  return kind;
}

/** Throws INVALID_VALUE for the first non-NULL value outside `kind`'s range (datetime is uint32 seconds). */
function checkTimeRange(what: string, kind: DataTypeKind, values: Float64Array, nulls: Uint8Array | null): void {
  const scale = msPerUnit(kind);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const ok = kind === 'datetime' ? v >= 0 && v <= DATETIME_SECONDS_MAX : Math.abs(v * scale) <= TIME_MS_ABS_MAX;
    if (ok || (nulls !== null && nulls[i] === 1)) continue;
    throw new DbError('INVALID_VALUE', `${what}: result is outside the range of ${kind} (row ${i + 1})`, { row: i + 1 });
  }
}

/** A time column as ms since the epoch (a copy when the unit is not ms). */
function msOf(col: Col, name: string, rowCount: number): Float64Array {
  const kind = baseType(col.type).kind;
  if (kind === 'string') return numbers(castCol(col, T.datetime64(), rowCount), name);
  const source = numbers(col, name);
  const scale = msPerUnit(kind);
  if (scale === 1) return source;
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = source[i] * scale;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Constants of the query

function nowFunction(name: string, returnType: DataType, unitMs: number, maxArgs: number): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 0, maxArgs);
      if (maxArgs > 0 && argTypes.length > 0 && constantInteger(name, argTypes, constants, 0, 3) !== 3) {
        throw new DbError('INVALID_ARGUMENT', `function ${name}: only precision 3 (milliseconds) is supported`);
      }
      return propagating(returnType, (_args, rowCount, context) => filledNumbers(returnType, Math.floor(context.nowMs / unitMs), rowCount));
    },
  };
}

const earliestTs: ScalarFunctionDef = {
  name: 'earliest_ts',
  aliases: ['earliest_timestamp'],
  resolve(argTypes) {
    checkArity('earliest_ts', argTypes, 0);
    const type = T.datetime64();
    return propagating(type, (_args, rowCount) => filledNumbers(type, 0, rowCount));
  },
};

// ---------------------------------------------------------------------------------------------
// Rounding down: to_start_of_*

const Unit = { Fixed: 0, Week: 1, Month: 2, Quarter: 3, Year: 4 } as const;
type Unit = (typeof Unit)[keyof typeof Unit];

/** Days since the epoch of the first day of the week containing `days` (Monday- or Sunday-based). */
function weekStartDays(days: number, mondayFirst: boolean): number {
  const offset = mondayFirst ? 3 : 4;
  return days - ((((days + offset) % 7) + 7) % 7);
}

function startOfDays(days: number, unit: Unit, mondayFirst: boolean): number {
  if (unit === Unit.Week) return weekStartDays(days, mondayFirst);
  const packed = civilFromDays(days);
  const year = civilYear(packed);
  if (unit === Unit.Year) return daysFromCivil(year, 1, 1);
  const month = civilMonth(packed);
  return daysFromCivil(year, unit === Unit.Quarter ? month - ((month - 1) % 3) : month, 1);
}

function startOf(name: string, unit: Unit, unitMs: number, aliases: readonly string[] = [], mondayDefault = false): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 1, unit === Unit.Week && !mondayDefault ? 2 : 1);
      expectTime(name, argTypes, 0);
      const mode = unit === Unit.Week && !mondayDefault ? constantInteger(name, argTypes, constants, 1, 0) : 1;
      const inputKind = kindOf(argTypes[0]);
      const returnType = inputKind === 'date' && unit === Unit.Fixed && unitMs < MS_PER_DAY ? T.datetime() : baseType(argTypes[0]);
      const scaleIn = msPerUnit(inputKind);
      const scaleOut = msPerUnit(returnType.kind);
      const mondayFirst = (mode & 1) === 1;
      return propagating(returnType, (args, rowCount) => {
        const source = numbers(args[0], name);
        const out = new Float64Array(rowCount);
        if (unit === Unit.Fixed) {
          for (let i = 0; i < rowCount; i++) out[i] = (Math.floor((source[i] * scaleIn) / unitMs) * unitMs) / scaleOut;
        } else {
          for (let i = 0; i < rowCount; i++) out[i] = (startOfDays(daysOfMs(source[i] * scaleIn), unit, mondayFirst) * MS_PER_DAY) / scaleOut;
        }
        return numberCol(returnType, out);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parts: to_year, to_hour, …

function msOfDay(ms: number): number {
  return ms - daysOfMs(ms) * MS_PER_DAY;
}

function dayOfYear(ms: number): number {
  const days = daysOfMs(ms);
  return days - daysFromCivil(civilYear(civilFromDays(days)), 1, 1) + 1;
}

const PARTS: readonly (readonly [string, DataType, (ms: number) => number, readonly string[]])[] = [
  ['to_year', T.uint16, (ms) => civilYear(civilFromDays(daysOfMs(ms))), []],
  ['to_quarter', T.uint8, (ms) => Math.floor((civilMonth(civilFromDays(daysOfMs(ms))) - 1) / 3) + 1, []],
  ['to_month', T.uint8, (ms) => civilMonth(civilFromDays(daysOfMs(ms))), []],
  ['to_day_of_month', T.uint8, (ms) => civilDay(civilFromDays(daysOfMs(ms))), ['day_of_month']],
  ['to_day_of_week', T.uint8, (ms) => dayOfWeekOfDays(daysOfMs(ms)), []],
  ['to_day_of_year', T.uint16, dayOfYear, []],
  ['to_hour', T.uint8, (ms) => Math.floor(msOfDay(ms) / MS_PER_HOUR), []],
  ['to_minute', T.uint8, (ms) => Math.floor((msOfDay(ms) % MS_PER_HOUR) / MS_PER_MINUTE), []],
  ['to_second', T.uint8, (ms) => Math.floor((msOfDay(ms) % MS_PER_MINUTE) / MS_PER_SECOND), []],
  ['to_millisecond', T.uint16, (ms) => msOfDay(ms) % MS_PER_SECOND, []],
];

function part(name: string, returnType: DataType, fn: (ms: number) => number, aliases: readonly string[]): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectTime(name, argTypes, 0);
      return propagating(returnType, (args, rowCount) => {
        const ms = msOf(args[0], name, rowCount);
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = fn(ms[i]);
        return numberCol(returnType, out);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Unix timestamps

function expectTimeOrString(name: string, argTypes: readonly DataType[], index: number): void {
  if (!isTime(argTypes[index]) && !isStringLike(argTypes[index])) throw typeError(name, index, `${EXPECT_TIME.replace(')', ' or string)')}`, argTypes[index]);
}

function unixTimestamp(name: string, unitMs: number): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectTimeOrString(name, argTypes, 0);
      return propagating(T.int64, (args, rowCount) => {
        const ms = msOf(args[0], name, rowCount);
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = Math.floor(ms[i] / unitMs);
        return numberCol(T.int64, out);
      });
    },
  };
}

function fromUnixTimestamp(name: string, returnType: DataType, unitMs: number): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectPlainNumber(name, argTypes, 0);
      const scaleOut = msPerUnit(returnType.kind);
      return propagating(returnType, (args, rowCount) => {
        const source = numbers(args[0], name);
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = Math.floor((source[i] * unitMs) / scaleOut);
        checkTimeRange(`function ${name}`, returnType.kind, out, args[0].nulls);
        return numberCol(returnType, out);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// date_diff, date_add, date_sub

type CalendarUnit = { readonly ms: number; readonly months: number; readonly week: boolean; readonly name: string };

const UNITS: ReadonlyMap<string, CalendarUnit> = (() => {
  const map = new Map<string, CalendarUnit>();
  const add = (names: readonly string[], unit: CalendarUnit) => {
    for (const n of names) map.set(n, unit);
  };
  add(['millisecond', 'milliseconds', 'ms'], { ms: 1, months: 0, week: false, name: 'millisecond' });
  add(['second', 'seconds', 's', 'ss', 'sec'], { ms: MS_PER_SECOND, months: 0, week: false, name: 'second' });
  add(['minute', 'minutes', 'm', 'mi', 'n', 'min'], { ms: MS_PER_MINUTE, months: 0, week: false, name: 'minute' });
  add(['hour', 'hours', 'h', 'hh'], { ms: MS_PER_HOUR, months: 0, week: false, name: 'hour' });
  add(['day', 'days', 'd', 'dd'], { ms: MS_PER_DAY, months: 0, week: false, name: 'day' });
  add(['week', 'weeks', 'w', 'wk', 'ww'], { ms: 7 * MS_PER_DAY, months: 0, week: true, name: 'week' });
  add(['month', 'months', 'mm'], { ms: 0, months: 1, week: false, name: 'month' });
  add(['quarter', 'quarters', 'q', 'qq'], { ms: 0, months: 3, week: false, name: 'quarter' });
  add(['year', 'years', 'y', 'yy', 'yyyy'], { ms: 0, months: 12, week: false, name: 'year' });
  return map;
})();

function unitOf(name: string, argTypes: readonly DataType[], constants: readonly unknown[]): CalendarUnit {
  const text = constantString(name, argTypes, constants, 0, "a unit such as 'second'");
  const unit = UNITS.get(text.toLowerCase());
  if (unit === undefined) {
    throw new DbError('INVALID_ARGUMENT', `function ${name}: unknown unit '${text}'; expected millisecond, second, minute, hour, day, week, month, quarter or year`);
  }
  return unit;
}

/** Months since year 0 of a time in ms (for calendar differences). */
function monthIndexOf(ms: number): number {
  const packed = civilFromDays(daysOfMs(ms));
  return civilYear(packed) * 12 + civilMonth(packed) - 1;
}

const dateDiff: ScalarFunctionDef = {
  name: 'date_diff',
  aliases: ['datediff', 'timestamp_diff'],
  resolve(argTypes, constants) {
    checkArity('date_diff', argTypes, 3);
    const unit = unitOf('date_diff', argTypes, constants);
    expectTimeOrString('date_diff', argTypes, 1);
    expectTimeOrString('date_diff', argTypes, 2);
    return propagating(T.int64, (args, rowCount) => {
      const a = msOf(args[1], 'date_diff', rowCount);
      const b = msOf(args[2], 'date_diff', rowCount);
      const out = new Float64Array(rowCount);
      if (unit.months > 0) {
        for (let i = 0; i < rowCount; i++) out[i] = Math.floor(monthIndexOf(b[i]) / unit.months) - Math.floor(monthIndexOf(a[i]) / unit.months);
      } else if (unit.week) {
        for (let i = 0; i < rowCount; i++) out[i] = Math.floor((daysOfMs(b[i]) + 3) / 7) - Math.floor((daysOfMs(a[i]) + 3) / 7);
      } else {
        for (let i = 0; i < rowCount; i++) out[i] = Math.floor(b[i] / unit.ms) - Math.floor(a[i] / unit.ms);
      }
      return numberCol(T.int64, out);
    });
  },
};

function dateAdd(name: string, sign: number, aliases: readonly string[]): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 3);
      const unit = unitOf(name, argTypes, constants);
      expectPlainNumber(name, argTypes, 1);
      expectTime(name, argTypes, 2);
      const inputKind = kindOf(argTypes[2]);
      const subDay = unit.months === 0 && unit.ms < MS_PER_DAY;
      const returnType = inputKind === 'date' && subDay ? T.datetime() : baseType(argTypes[2]);
      const scaleOut = msPerUnit(returnType.kind);
      return propagating(returnType, (args, rowCount) => {
        const amounts = numbers(args[1], name);
        const ms = msOf(args[2], name, rowCount);
        const out = new Float64Array(rowCount);
        if (unit.months > 0) {
          for (let i = 0; i < rowCount; i++) out[i] = Math.floor(addMonthsToMs(ms[i], sign * Math.trunc(amounts[i]) * unit.months) / scaleOut);
        } else {
          for (let i = 0; i < rowCount; i++) out[i] = Math.floor((ms[i] + sign * amounts[i] * unit.ms) / scaleOut);
        }
        checkTimeRange(`function ${name}`, returnType.kind, out, unionNulls(args, rowCount));
        return numberCol(returnType, out);
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// format_datetime

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * format_datetime codes (ClickHouse formatDateTime, UTC): %Y year, %y two-digit year, %m month
 * 01–12, %d day 01–31, %e day space-padded, %H hour 00–23, %I hour 01–12, %p AM/PM, %M and %i
 * minute 00–59 (%M is minutes as in the ClickHouse versions Timeplus derives from), %S and %s
 * second, %f fraction as 6 digits (ms × 1000), %F = %Y-%m-%d, %T = %H:%M:%S, %D = %m/%d/%y, %j day
 * of year, %u day of week 1–7 (Monday 1), %w 0–6 (Sunday 0), %a / %b abbreviated day / month name,
 * %W / %B full names, %Q quarter, %%.
 */
const FORMAT_CODES: Readonly<Record<string, (ms: number) => string>> = {
  Y: (ms) => pad(civilYear(civilFromDays(daysOfMs(ms))), 4),
  y: (ms) => pad(((civilYear(civilFromDays(daysOfMs(ms))) % 100) + 100) % 100, 2),
  m: (ms) => pad(civilMonth(civilFromDays(daysOfMs(ms))), 2),
  d: (ms) => pad(civilDay(civilFromDays(daysOfMs(ms))), 2),
  e: (ms) => String(civilDay(civilFromDays(daysOfMs(ms)))).padStart(2, ' '),
  H: (ms) => pad(Math.floor(msOfDay(ms) / MS_PER_HOUR), 2),
  I: (ms) => pad(((Math.floor(msOfDay(ms) / MS_PER_HOUR) + 11) % 12) + 1, 2),
  p: (ms) => (msOfDay(ms) < 12 * MS_PER_HOUR ? 'AM' : 'PM'),
  M: (ms) => pad(Math.floor((msOfDay(ms) % MS_PER_HOUR) / MS_PER_MINUTE), 2),
  i: (ms) => pad(Math.floor((msOfDay(ms) % MS_PER_HOUR) / MS_PER_MINUTE), 2),
  S: (ms) => pad(Math.floor((msOfDay(ms) % MS_PER_MINUTE) / MS_PER_SECOND), 2),
  s: (ms) => pad(Math.floor((msOfDay(ms) % MS_PER_MINUTE) / MS_PER_SECOND), 2),
  f: (ms) => pad((msOfDay(ms) % MS_PER_SECOND) * 1000, 6),
  F: (ms) => formatDateTimeMs(ms, false).slice(0, -9),
  T: (ms) => formatDateTimeMs(ms, false).slice(-8),
  D: (ms) => `${FORMAT_CODES.m(ms)}/${FORMAT_CODES.d(ms)}/${FORMAT_CODES.y(ms)}`,
  j: (ms) => pad(dayOfYear(ms), 3),
  u: (ms) => String(dayOfWeekOfDays(daysOfMs(ms))),
  w: (ms) => String(dayOfWeekOfDays(daysOfMs(ms)) % 7),
  a: (ms) => DAY_NAMES[dayOfWeekOfDays(daysOfMs(ms)) - 1].slice(0, 3),
  W: (ms) => DAY_NAMES[dayOfWeekOfDays(daysOfMs(ms)) - 1],
  b: (ms) => MONTH_NAMES[civilMonth(civilFromDays(daysOfMs(ms))) - 1].slice(0, 3),
  B: (ms) => MONTH_NAMES[civilMonth(civilFromDays(daysOfMs(ms))) - 1],
  Q: (ms) => String(Math.floor((civilMonth(civilFromDays(daysOfMs(ms))) - 1) / 3) + 1),
  '%': () => '%',
};

/** The format as literal strings and code functions, compiled once per call site. */
function compileFormat(format: string): (string | ((ms: number) => string))[] {
  const parts: (string | ((ms: number) => string))[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      literal += format[i];
      continue;
    }
    const code = format[++i];
    const fn = code === undefined ? undefined : FORMAT_CODES[code];
    if (fn === undefined) throw new DbError('INVALID_ARGUMENT', `function format_datetime: unknown format code '%${code ?? ''}' in '${format}'`);
    if (code === '%') literal += '%';
    else {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(fn);
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

const formatDatetime: ScalarFunctionDef = {
  name: 'format_datetime',
  aliases: ['format_date_time', 'date_format'],
  resolve(argTypes, constants) {
    checkArity('format_datetime', argTypes, 2);
    expectTime('format_datetime', argTypes, 0);
    const parts = compileFormat(constantString('format_datetime', argTypes, constants, 1, 'a format'));
    return propagating(T.string, (args, rowCount) => {
      const ms = msOf(args[0], 'format_datetime', rowCount);
      const out = new Array<string>(rowCount);
      for (let i = 0; i < rowCount; i++) {
        let text = '';
        for (const p of parts) text += typeof p === 'string' ? p : p(ms[i]);
        out[i] = text;
      }
      return { type: T.string, values: out, nulls: null };
    });
  },
};

export const TIME_FUNCTIONS: readonly ScalarFunctionDef[] = [
  nowFunction('now', T.datetime(), MS_PER_SECOND, 0),
  nowFunction('now64', T.datetime64(), 1, 1),
  nowFunction('today', T.date, MS_PER_DAY, 0),
  earliestTs,
  startOf('to_start_of_second', Unit.Fixed, MS_PER_SECOND),
  startOf('to_start_of_minute', Unit.Fixed, MS_PER_MINUTE),
  startOf('to_start_of_five_minutes', Unit.Fixed, 5 * MS_PER_MINUTE, ['to_start_of_five_minute']),
  startOf('to_start_of_ten_minutes', Unit.Fixed, 10 * MS_PER_MINUTE),
  startOf('to_start_of_fifteen_minutes', Unit.Fixed, 15 * MS_PER_MINUTE),
  startOf('to_start_of_hour', Unit.Fixed, MS_PER_HOUR),
  startOf('to_start_of_day', Unit.Fixed, MS_PER_DAY),
  startOf('to_start_of_week', Unit.Week, 0),
  startOf('to_monday', Unit.Week, 0, [], true),
  startOf('to_start_of_month', Unit.Month, 0),
  startOf('to_start_of_quarter', Unit.Quarter, 0),
  startOf('to_start_of_year', Unit.Year, 0),
  ...PARTS.map(([name, type, fn, aliases]) => part(name, type, fn, aliases)),
  unixTimestamp('to_unix_timestamp', MS_PER_SECOND),
  unixTimestamp('to_unix_timestamp64_milli', 1),
  fromUnixTimestamp('from_unix_timestamp', T.datetime(), MS_PER_SECOND),
  fromUnixTimestamp('from_unix_timestamp64_milli', T.datetime64(), 1),
  dateDiff,
  dateAdd('date_add', 1, ['timestamp_add']),
  dateAdd('date_sub', -1, ['timestamp_sub']),
  formatDatetime,
];

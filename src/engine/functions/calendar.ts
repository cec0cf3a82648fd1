// Calendar arithmetic, time parsing and formatting, all in UTC (the engine has no time zone
// database: a type's timezone is carried but never applied, and every time is shown in UTC).
//
// Representation: datetime64(3) = ms since the epoch, datetime = s, date = days since 1970-01-01,
// all held in doubles. Days ↔ civil dates use the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), exact for any year, so pre-1970 times floor correctly (-1 ms is 1969-12-31).
//
// Text accepted by parseTimeMs (ISO 8601 and the ClickHouse text form; surrounding spaces ignored):
//   YYYY-MM-DD
//   YYYY-MM-DD[ T]HH:MM[:SS[.fraction]][Z | ±HH[:MM] | ±HHMM]
// The fraction may have any number of digits; digits past milliseconds are truncated (floor).
// Text produced by formatTime: 'YYYY-MM-DD' (date), 'YYYY-MM-DD HH:MM:SS' (datetime),
// 'YYYY-MM-DD HH:MM:SS.mmm' (datetime64(3)), always UTC, always zero-padded.
import type { DataTypeKind } from '../../types/data-type.ts';

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/**
 * The largest |ms| parsed or produced for a time: JavaScript's Date range (±100 million days), so
 * every representable time also formats. Times beyond it are conversion errors, not wraps.
 */
export const TIME_MS_ABS_MAX = 8.64e15;
/** datetime is stored as uint32 seconds (1970-01-01 … 2106-02-07). */
export const DATETIME_SECONDS_MAX = 4_294_967_295;

/** How many ms one unit of a time type is: datetime64 1, datetime 1000, date 86 400 000. */
export function msPerUnit(kind: DataTypeKind): number {
  if (kind === 'datetime') return MS_PER_SECOND;
  if (kind === 'date') return MS_PER_DAY;
  return 1;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthIndex = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthIndex + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The civil date of a day number, packed in one number so hot loops allocate nothing:
 * packed = year * 512 + (month - 1) * 32 + (day - 1). Unpack with civilYear/civilMonth/civilDay.
 */
export function civilFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year * 512 + (month - 1) * 32 + (day - 1);
}

export function civilYear(packed: number): number {
  return Math.floor(packed / 512);
}

export function civilMonth(packed: number): number {
  return ((packed - civilYear(packed) * 512) >>> 5) + 1;
}

export function civilDay(packed: number): number {
  return ((packed - civilYear(packed) * 512) & 31) + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Floor division of ms into whole days (pre-1970 times round down, not toward zero). */
export function daysOfMs(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function dayOfWeekOfDays(days: number): number {
  return (((days + 3) % 7) + 7) % 7 + 1;
}

/** Adds calendar months, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
export function addMonthsToMs(ms: number, months: number): number {
  const days = daysOfMs(ms);
  const timeOfDayMs = ms - days * MS_PER_DAY;
  const packed = civilFromDays(days);
  const monthIndex = civilYear(packed) * 12 + (civilMonth(packed) - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(civilDay(packed), daysInMonth(year, month));
  return daysFromCivil(year, month, day) * MS_PER_DAY + timeOfDayMs;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const TIME_PATTERN =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** ms since the epoch of an ISO 8601 / ClickHouse time text, or NaN when it is not one. */
export function parseTimeMs(text: string): number {
  const match = TIME_PATTERN.exec(text.trim());
  if (match === null) return NaN;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = match[4] === undefined ? 0 : Number(match[4]);
  const minute = match[5] === undefined ? 0 : Number(match[5]);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const fraction = match[7] === undefined ? 0 : Number((match[7] + '00').slice(0, 3));
  let offsetMinutes = 0;
  const zone = match[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offsetHours > 23 || offsetMins > 59) return NaN;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR +
    minute * MS_PER_MINUTE +
    second * MS_PER_SECOND +
    fraction -
    offsetMinutes * MS_PER_MINUTE
  );
}

// ---------------------------------------------------------------------------------------------
// Formatting

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return `${year}`.padStart(4, '0');
  return `${year}`;
}

/** 'YYYY-MM-DD' of a day number. */
export function formatDate(days: number): string {
  const packed = civilFromDays(days);
  return `${formatYear(civilYear(packed))}-${pad2(civilMonth(packed))}-${pad2(civilDay(packed))}`;
}

/** 'YYYY-MM-DD HH:MM:SS' or, with `withMs`, 'YYYY-MM-DD HH:MM:SS.mmm', in UTC. */
export function formatDateTimeMs(ms: number, withMs: boolean): string {
  const days = daysOfMs(ms);
  let rest = ms - days * MS_PER_DAY;
  const hour = Math.floor(rest / MS_PER_HOUR);
  rest -= hour * MS_PER_HOUR;
  const minute = Math.floor(rest / MS_PER_MINUTE);
  rest -= minute * MS_PER_MINUTE;
  const second = Math.floor(rest / MS_PER_SECOND);
  const text = `${formatDate(days)} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  return withMs ? `${text}.${pad3(Math.floor(rest - second * MS_PER_SECOND))}` : text;
}

/** The text of one value of a time type (value in the type's own unit). */
export function formatTime(kind: DataTypeKind, value: number): string {
  if (kind === 'date') return formatDate(value);
  if (kind === 'datetime') return formatDateTimeMs(value * MS_PER_SECOND, false);
  return formatDateTimeMs(value, true);
}

// Intervals: `5s`, `100ms`, `2d` (Timeplus shorthand; `m` is minutes, `M` months) and
// `INTERVAL 5 SECOND`. Fixed units become milliseconds; months, quarters and years stay calendar
// months (added by calendar, not as a fixed length). Used by `time ± interval`, windows and EMIT.
import { DbError } from '../../core/errors.ts';
import type { DurationUnit, Expr, IntervalUnit } from '../../sql/index.ts';
import { formatExpression } from '../../sql/index.ts';

export interface Interval {
  readonly ms: number;
  readonly months: number;
}

const MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const MONTHS: Readonly<Record<string, number>> = { M: 1, q: 3, y: 12 };

const UNIT_OF_INTERVAL: Readonly<Record<IntervalUnit, DurationUnit>> = {
  NANOSECOND: 'ns',
  MICROSECOND: 'us',
  MILLISECOND: 'ms',
  SECOND: 's',
  MINUTE: 'm',
  HOUR: 'h',
  DAY: 'd',
  WEEK: 'w',
  MONTH: 'M',
  QUARTER: 'q',
  YEAR: 'y',
};

/** The interval an expression denotes; `constantOf` evaluates INTERVAL's amount expression. */
export function intervalOf(expr: Expr, constantOf: (e: Expr) => unknown): Interval {
  let amount: number;
  let unit: DurationUnit;
  if (expr.kind === 'DurationLiteral') {
    amount = Number(expr.amount);
    unit = expr.unit;
  } else if (expr.kind === 'Interval') {
    const value = constantOf(expr.value);
    amount = typeof value === 'bigint' ? Number(value) : Number(value);
    unit = UNIT_OF_INTERVAL[expr.unit];
    if (value === undefined || value === null || !Number.isFinite(amount)) {
      throw new DbError('INVALID_ARGUMENT', `interval amount must be a constant number: ${formatExpression(expr)}`);
    }
  } else {
    throw new DbError('INVALID_ARGUMENT', `expected an interval such as 5s or INTERVAL 5 SECOND, found ${formatExpression(expr)}`);
  }
  if (MONTHS[unit] !== undefined) return { ms: 0, months: amount * MONTHS[unit] };
  return { ms: amount * MS[unit], months: 0 };
}

/** A fixed-length interval in ms (windows need one); calendar units are refused with a clear error. */
export function fixedIntervalMs(expr: Expr, constantOf: (e: Expr) => unknown, what: string): number {
  const interval = intervalOf(expr, constantOf);
  if (interval.months !== 0) throw new DbError('INVALID_ARGUMENT', `${what}: months, quarters and years have no fixed length; use days`);
  if (!(interval.ms > 0)) throw new DbError('INVALID_ARGUMENT', `${what}: the interval must be positive, got ${formatExpression(expr)}`);
  return interval.ms;
}

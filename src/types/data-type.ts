// Data types: the names Timeplus and ClickHouse users know, parsed from and printed to text, plus
// the facts the codec and vectors need (fixed width, typed-array constructor).
//
// Invariants: a DataType is an immutable tree whose depth is at most TYPE_NESTING_MAX; `nullable`
// never wraps `nullable` or `array` (as in ClickHouse); parse(format(t)) deep-equals t.
// Unsupported types (decimal, map, tuple, …) are a clear INVALID_TYPE error, never coerced.
import { DbError } from '../core/errors.ts';
import { TYPE_NESTING_MAX } from '../core/limits.ts';

export const SCALAR_KINDS = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'string',
  'datetime64',
  'datetime',
  'date',
  'uuid',
] as const;

export type ScalarKind = (typeof SCALAR_KINDS)[number];

export type DataType =
  | { readonly kind: Exclude<ScalarKind, 'datetime64' | 'datetime'> }
  | { readonly kind: 'datetime64'; readonly precision: 3; readonly timezone: string | null }
  | { readonly kind: 'datetime'; readonly timezone: string | null }
  | { readonly kind: 'nullable'; readonly inner: DataType }
  | { readonly kind: 'array'; readonly element: DataType };

export type DataTypeKind = DataType['kind'];

/** Byte width of one value of a fixed-width kind; 0 for string; not defined for nullable/array. */
export const FIXED_WIDTH: Readonly<Record<Exclude<DataTypeKind, 'nullable' | 'array'>, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  float32: 4,
  float64: 8,
  string: 0,
  datetime64: 8,
  datetime: 4,
  date: 4,
  uuid: 16,
};

const simple = new Map<string, DataType>();
for (const kind of SCALAR_KINDS) {
  if (kind !== 'datetime64' && kind !== 'datetime') simple.set(kind, Object.freeze({ kind }));
}

export const T = {
  bool: simple.get('bool')!,
  int8: simple.get('int8')!,
  int16: simple.get('int16')!,
  int32: simple.get('int32')!,
  int64: simple.get('int64')!,
  uint8: simple.get('uint8')!,
  uint16: simple.get('uint16')!,
  uint32: simple.get('uint32')!,
  uint64: simple.get('uint64')!,
  float32: simple.get('float32')!,
  float64: simple.get('float64')!,
  string: simple.get('string')!,
  date: simple.get('date')!,
  uuid: simple.get('uuid')!,
  // An empty timezone means none, as in ClickHouse; the codec writes both as length 0, so they must be one type.
  datetime64: (timezone: string | null = null): DataType =>
    Object.freeze({ kind: 'datetime64', precision: 3, timezone: timezone === '' ? null : timezone }),
  datetime: (timezone: string | null = null): DataType => Object.freeze({ kind: 'datetime', timezone: timezone === '' ? null : timezone }),
  nullable: (inner: DataType): DataType => makeNullable(inner),
  array: (element: DataType): DataType => makeArray(element),
} as const;

function makeNullable(inner: DataType): DataType {
  if (inner.kind === 'nullable' || inner.kind === 'array') {
    throw new DbError('INVALID_TYPE', `nullable(${formatDataType(inner)}) is not allowed: nullable takes a scalar type`);
  }
  return Object.freeze({ kind: 'nullable', inner });
}

function makeArray(element: DataType): DataType {
  if (typeDepth(element) + 1 > TYPE_NESTING_MAX) {
    throw new DbError('LIMIT_EXCEEDED', `type nests more than TYPE_NESTING_MAX (${TYPE_NESTING_MAX}) levels`);
  }
  return Object.freeze({ kind: 'array', element });
}

export function typeDepth(type: DataType): number {
  if (type.kind === 'nullable') return 1 + typeDepth(type.inner);
  if (type.kind === 'array') return 1 + typeDepth(type.element);
  return 1;
}

/** ClickHouse/Timeplus spellings accepted on input, mapped to our canonical kind. Case-insensitive. */
const ALIASES: Readonly<Record<string, string>> = {
  boolean: 'bool',
  tinyint: 'int8',
  smallint: 'int16',
  int: 'int32',
  integer: 'int32',
  bigint: 'int64',
  float: 'float32',
  real: 'float32',
  double: 'float64',
  text: 'string',
  varchar: 'string',
};

export function formatDataType(type: DataType): string {
  switch (type.kind) {
    case 'nullable':
      return `nullable(${formatDataType(type.inner)})`;
    case 'array':
      return `array(${formatDataType(type.element)})`;
    case 'datetime64':
      return type.timezone === null ? 'datetime64(3)' : `datetime64(3, '${type.timezone}')`;
    case 'datetime':
      return type.timezone === null ? 'datetime' : `datetime('${type.timezone}')`;
    default:
      return type.kind;
  }
}

/** Parses `nullable(int32)`, `array(string)`, `datetime64(3, 'UTC')`, `DateTime64(3)`, `Float64`, … */
export function parseDataType(text: string): DataType {
  const parser = new TypeTextParser(text);
  const type = parser.parseType(0);
  parser.expectEnd();
  return type;
}

/** A type given as a name with arguments, as the SQL parser produces it (no text round trip). */
export interface TypeSpec {
  readonly name: string;
  readonly args: readonly (TypeSpec | number | string)[];
}

export function dataTypeFromSpec(spec: TypeSpec, depth = 0): DataType {
  if (depth >= TYPE_NESTING_MAX) {
    throw new DbError('LIMIT_EXCEEDED', `type nests more than TYPE_NESTING_MAX (${TYPE_NESTING_MAX}) levels`);
  }
  const lower = spec.name.toLowerCase();
  const name = ALIASES[lower] ?? lower;
  const where = `in type ${spec.name}`;
  const typeArg = (i: number): DataType => {
    const arg = spec.args[i];
    if (arg === undefined || typeof arg !== 'object') {
      throw new DbError('INVALID_TYPE', `${spec.name} takes a type argument`);
    }
    return dataTypeFromSpec(arg, depth + 1);
  };
  const noArgs = (): void => {
    if (spec.args.length > 0) throw new DbError('INVALID_TYPE', `${spec.name} takes no arguments`);
  };
  switch (name) {
    case 'nullable':
      if (spec.args.length !== 1) throw new DbError('INVALID_TYPE', `nullable takes exactly one type argument`);
      return makeNullable(typeArg(0));
    case 'array':
      if (spec.args.length !== 1) throw new DbError('INVALID_TYPE', `array takes exactly one type argument`);
      return makeArray(typeArg(0));
    case 'datetime64': {
      const [precision, timezone] = spec.args;
      if (precision !== 3) {
        throw new DbError('INVALID_TYPE', `datetime64 supports precision 3 (milliseconds) only, got ${String(precision)} ${where}`);
      }
      if (spec.args.length > 2 || (timezone !== undefined && typeof timezone !== 'string')) {
        throw new DbError('INVALID_TYPE', `datetime64 takes (3[, 'timezone']) ${where}`);
      }
      return T.datetime64(timezone ?? null);
    }
    case 'datetime': {
      const [timezone] = spec.args;
      if (spec.args.length > 1 || (timezone !== undefined && typeof timezone !== 'string')) {
        throw new DbError('INVALID_TYPE', `datetime takes (['timezone']) ${where}`);
      }
      return T.datetime(timezone ?? null);
    }
    default: {
      const type = simple.get(name);
      if (type === undefined) {
        throw new DbError(
          'INVALID_TYPE',
          `unknown or unsupported type '${spec.name}'; supported: ${SCALAR_KINDS.join(', ')}, nullable(T), array(T)`,
        );
      }
      noArgs();
      return type;
    }
  }
}

class TypeTextParser {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  parseType(depth: number): DataType {
    return dataTypeFromSpec(this.parseSpec(depth));
  }

  private parseSpec(depth: number): TypeSpec {
    if (depth >= TYPE_NESTING_MAX) {
      throw new DbError('LIMIT_EXCEEDED', `type nests more than TYPE_NESTING_MAX (${TYPE_NESTING_MAX}) levels`);
    }
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9_]/.test(this.text[this.pos])) this.pos++;
    if (start === this.pos) this.fail('a type name');
    const name = this.text.slice(start, this.pos);
    const args: (TypeSpec | number | string)[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '(') {
      this.pos++;
      for (;;) {
        this.skipSpace();
        const c = this.text[this.pos];
        if (c === "'") args.push(this.parseQuoted());
        else if (c !== undefined && c >= '0' && c <= '9') args.push(this.parseNumber());
        else args.push(this.parseSpec(depth + 1));
        this.skipSpace();
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (this.text[this.pos] === ')') {
          this.pos++;
          break;
        }
        this.fail("',' or ')'");
      }
    }
    return { name, args };
  }

  private parseQuoted(): string {
    const end = this.text.indexOf("'", this.pos + 1);
    if (end < 0) this.fail('a closing quote');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private parseNumber(): number {
    const start = this.pos;
    while (this.pos < this.text.length && this.text[this.pos] >= '0' && this.text[this.pos] <= '9') this.pos++;
    return Number(this.text.slice(start, this.pos));
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('end of type');
  }

  private fail(expected: string): never {
    const found = this.pos < this.text.length ? `'${this.text.slice(this.pos, this.pos + 10)}'` : 'end of text';
    throw new DbError('INVALID_TYPE', `in type '${this.text}' at offset ${this.pos}: expected ${expected}, found ${found}`);
  }
}

export function sameType(a: DataType, b: DataType): boolean {
  return formatDataType(a) === formatDataType(b);
}

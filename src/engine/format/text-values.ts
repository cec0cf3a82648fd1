// Text forms of values, as ClickHouse prints them in TabSeparated (and the CLI and SQL tests show
// them): times in UTC as 'YYYY-MM-DD HH:MM:SS[.mmm]', dates 'YYYY-MM-DD', bools true/false, NULL as
// \N, arrays as [1,'a'], and TabSeparated escaping of \t, \n, \r, \\ in strings.
import type { Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType } from '../column.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatDateTimeMs(ms: number, withMs: boolean): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

export function formatDate(days: number): string {
  return formatDateTimeMs(days * 86_400_000, false).slice(0, 10);
}

/** A value in its plain text form (no quoting), or null for NULL. */
export function valueText(type: DataType, value: Value): string | null {
  if (value === null) return null;
  const base = baseType(type);
  switch (base.kind) {
    case 'datetime64':
      return formatDateTimeMs(value as number, true);
    case 'datetime':
      return formatDateTimeMs((value as number) * 1000, false);
    case 'date':
      return formatDate(value as number);
    case 'bool':
      return value === true || value === 1 ? 'true' : 'false';
    case 'float32':
    case 'float64':
      return formatFloat(value as number);
    case 'array':
      return `[${(value as Value[]).map((v) => quotedText(base.element, v)).join(',')}]`;
    default:
      return String(value);
  }
}

function formatFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** Inside arrays: strings and times quoted with single quotes, NULL as NULL. */
function quotedText(type: DataType, value: Value): string {
  const text = valueText(type, value);
  if (text === null) return 'NULL';
  const kind = baseType(type).kind;
  if (kind === 'string' || kind === 'uuid' || kind === 'datetime64' || kind === 'datetime' || kind === 'date') {
    return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  }
  return text;
}

export function tabSeparatedField(type: DataType, value: Value): string {
  const text = valueText(type, value);
  if (text === null) return '\\N';
  return text.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

export function tabSeparatedRow(schema: readonly Column[], row: readonly Value[]): string {
  return row.map((v, i) => tabSeparatedField(schema[i].type, v)).join('\t');
}

// Row input formats for `INSERT … FORMAT <name> <data>` (and, later, the HTTP API's insert body):
// JSONEachRow (one JSON object per line, keys are column names), CSV (RFC 4180 quoting; fields by
// position), TabSeparated (ClickHouse escaping, \N for NULL). Each returns rows of loose values
// (strings, numbers, booleans, null, arrays) keyed by column; typing happens in insert.ts.
// Errors name the line (1-based) and what was wrong, and nothing is written.
import { DbError } from '../../core/errors.ts';

export type LooseValue = string | number | boolean | null | LooseValue[] | { [key: string]: unknown };

export interface ParsedRows {
  /** Column names given by the data (JSONEachRow) or null (positional formats). */
  readonly rows: readonly (Readonly<Record<string, LooseValue>> | readonly LooseValue[])[];
  readonly positional: boolean;
}

export const INPUT_FORMATS = ['JSONEachRow', 'CSV', 'CSVWithNames', 'TabSeparated', 'TSV', 'TabSeparatedWithNames', 'TSVWithNames'] as const;

/** A positional field: `undefined` is an empty unquoted CSV field, which takes the column's default. */
export type PositionalField = LooseValue | undefined;

export function parseInputRows(format: string, data: string): { names: string[] | null; rows: (Record<string, LooseValue> | PositionalField[])[] } {
  const name = INPUT_FORMATS.find((f) => f.toLowerCase() === format.toLowerCase());
  switch (name) {
    case 'JSONEachRow':
      return { names: null, rows: parseJsonEachRow(data) };
    case 'CSV':
      return { names: null, rows: parseCsv(data) };
    case 'CSVWithNames': {
      const rows = parseCsv(data);
      return { names: (rows.shift() ?? []).map(String), rows };
    }
    case 'TabSeparated':
    case 'TSV':
      return { names: null, rows: parseTsv(data) };
    case 'TabSeparatedWithNames':
    case 'TSVWithNames': {
      const rows = parseTsv(data);
      return { names: (rows.shift() ?? []).map(String), rows };
    }
    default:
      throw new DbError('INVALID_ARGUMENT', `unknown input format '${format}'; supported: ${INPUT_FORMATS.join(', ')}`);
  }
}

function parseJsonEachRow(data: string): Record<string, LooseValue>[] {
  // Fast path: JSON strings cannot hold a raw line break, so every line break separates rows and the
  // body is one JSON array once they become commas — a single native parse instead of one per row.
  // Anything unusual (blank lines between rows, trailing commas, a bad row) takes the line-by-line
  // path below, which also finds the line to blame.
  const trimmed = data.trim();
  if (trimmed === '') return [];
  if (!/\n\s*\n|,\s*(\n|$)/.test(trimmed)) {
    try {
      const all: unknown = JSON.parse(`[${trimmed.replaceAll('\n', ',')}]`);
      if (Array.isArray(all) && all.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row))) {
        return all as Record<string, LooseValue>[];
      }
    } catch {
      // fall through: the line-by-line parse reports where
    }
  }
  const rows: Record<string, LooseValue>[] = [];
  const lines = data.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line === ',') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
    } catch (error) {
      throw new DbError('INVALID_VALUE', `JSONEachRow line ${i + 1}: ${(error as Error).message}`, { line: i + 1 });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DbError('INVALID_VALUE', `JSONEachRow line ${i + 1}: expected a JSON object, got ${line.slice(0, 40)}`, { line: i + 1 });
    }
    rows.push(parsed as Record<string, LooseValue>);
  }
  return rows;
}

function parseCsv(data: string): PositionalField[][] {
  const rows: PositionalField[][] = [];
  let row: PositionalField[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  const endField = () => {
    // Fix (SQL corpus): an empty unquoted field is "no value" and takes the column's default
    // (ClickHouse input_format_csv_empty_as_default = 1), so `5,,x` gives NULL to a nullable column.
    row.push(!wasQuoted && field === '\\N' ? null : !wasQuoted && field === '' ? undefined : field);
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (quoted) {
      if (c === '"') {
        if (data[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && data[i + 1] === '\n') i++;
      if (field !== '' || row.length > 0 || wasQuoted) {
        endField();
        rows.push(row);
      }
      row = [];
      line++;
    } else field += c;
  }
  if (quoted) throw new DbError('INVALID_VALUE', `CSV line ${line}: unterminated quoted field`, { line });
  if (field !== '' || row.length > 0 || wasQuoted) {
    endField();
    rows.push(row);
  }
  return rows;
}

function parseTsv(data: string): LooseValue[][] {
  const rows: LooseValue[][] = [];
  for (const line of data.split('\n')) {
    if (line === '') continue;
    rows.push(
      line.replace(/\r$/, '').split('\t').map((field) =>
        field === '\\N'
          ? null
          : field.replace(/\\(.)/g, (_m, ch: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\', '0': '\0', "'": "'" })[ch] ?? ch),
      ),
    );
  }
  return rows;
}

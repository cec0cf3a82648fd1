// Row output formats for query results, as ClickHouse prints them, so its clients and tools read
// ours unchanged: TabSeparated (the default, no header), TabSeparatedWithNames(AndTypes), CSV,
// CSVWithNames(AndTypes), JSONEachRow, JSONCompactEachRow, JSON, JSONCompact, PrettyCompact, Null.
//
// The writer is streaming-friendly: header() once, rows(batch) per batch, footer(stats) once, each
// returning the text to send, so the HTTP API can flush a chunk per batch of a live query. A
// writer keeps a little state (the JSON formats need a comma between batches) and serves one
// result only.
//
// Value rules (ClickHouse's defaults):
// - Times are UTC text ('YYYY-MM-DD HH:MM:SS[.mmm]'), dates 'YYYY-MM-DD', bools true/false.
// - JSON: int64/uint64 are quoted strings (output_format_json_quote_64bit_integers=1; the option
//   `quote64BitIntegers: false` prints them bare), nan/inf are null, NULL is null.
// - TabSeparated: \N for NULL, \t \n \r \\ escaped. CSV: strings, times and arrays in double
//   quotes ("" inside), NULL as \N, numbers and bools bare.
// - Type names in headers and JSON meta use ClickHouse's spelling (Int64, Nullable(String),
//   DateTime64(3, 'UTC')), which ClickHouse tools parse; DESCRIBE keeps Tributary's own.
import { DbError } from '../../core/errors.ts';
import type { Batch, Column } from '../../types/batch.ts';
import type { DataType } from '../../types/data-type.ts';
import { type Value, type Vector, valueAt } from '../../types/vector.ts';
import { baseType } from '../column.ts';
import { tabSeparatedField, valueText } from './text-values.ts';

export const OUTPUT_FORMATS = [
  'TabSeparated',
  'TabSeparatedWithNames',
  'TabSeparatedWithNamesAndTypes',
  'CSV',
  'CSVWithNames',
  'CSVWithNamesAndTypes',
  'JSONEachRow',
  'JSONCompactEachRow',
  'JSON',
  'JSONCompact',
  'PrettyCompact',
  'Null',
] as const;

export type OutputFormatName = (typeof OUTPUT_FORMATS)[number];

const ALIASES: Readonly<Record<string, OutputFormatName>> = {
  tsv: 'TabSeparated',
  tsvwithnames: 'TabSeparatedWithNames',
  tsvwithnamesandtypes: 'TabSeparatedWithNamesAndTypes',
  jsonlines: 'JSONEachRow',
  ndjson: 'JSONEachRow',
  pretty: 'PrettyCompact',
};

export interface OutputStats {
  /** Rows written by this writer. */
  readonly rows: number;
  readonly elapsedSeconds: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
}

export interface OutputFormat {
  readonly name: OutputFormatName;
  /** The HTTP Content-Type of this format's output. */
  readonly contentType: string;
  header(): string;
  rows(batch: Batch): string;
  footer(stats: OutputStats): string;
}

export interface OutputOptions {
  /** JSON formats: int64/uint64 as strings (ClickHouse's default) or bare numbers. */
  readonly quote64BitIntegers?: boolean;
}

/** The canonical name of a format (case-insensitive, with ClickHouse's aliases), or null if unknown. */
export function resolveOutputFormat(name: string): OutputFormatName | null {
  const lower = name.toLowerCase();
  return OUTPUT_FORMATS.find((f) => f.toLowerCase() === lower) ?? ALIASES[lower] ?? null;
}

export function createOutputFormat(name: string, schema: readonly Column[], options: OutputOptions = {}): OutputFormat {
  const format = resolveOutputFormat(name);
  if (format === null) {
    throw new DbError('INVALID_ARGUMENT', `unknown output format '${name}'; supported: ${OUTPUT_FORMATS.join(', ')}`);
  }
  const quote64 = options.quote64BitIntegers ?? true;
  switch (format) {
    case 'TabSeparated':
    case 'TabSeparatedWithNames':
    case 'TabSeparatedWithNamesAndTypes':
      return tabSeparated(format, schema);
    case 'CSV':
    case 'CSVWithNames':
    case 'CSVWithNamesAndTypes':
      return csv(format, schema);
    case 'JSONEachRow':
      return jsonEachRow(schema, quote64);
    case 'JSONCompactEachRow':
      return jsonCompactEachRow(schema, quote64);
    case 'JSON':
    case 'JSONCompact':
      return jsonDocument(format, schema, quote64);
    case 'PrettyCompact':
      return prettyCompact(schema);
    case 'Null':
      return { name: 'Null', contentType: 'text/plain; charset=UTF-8', header: () => '', rows: () => '', footer: () => '' };
  }
}

/** ClickHouse's spelling of a type: `Nullable(Int64)`, `Array(String)`, `DateTime64(3, 'UTC')`. */
export function clickHouseTypeName(type: DataType): string {
  switch (type.kind) {
    case 'nullable':
      return `Nullable(${clickHouseTypeName(type.inner)})`;
    case 'array':
      return `Array(${clickHouseTypeName(type.element)})`;
    case 'datetime64':
      return type.timezone === null ? 'DateTime64(3)' : `DateTime64(3, '${type.timezone}')`;
    case 'datetime':
      return type.timezone === null ? 'DateTime' : `DateTime('${type.timezone}')`;
    case 'uuid':
      return 'UUID';
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
      return `UInt${type.kind.slice(4)}`;
    default:
      return type.kind[0].toUpperCase() + type.kind.slice(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Row loops: one cell formatter per column, chosen once per writer; no per-row arrays.

type CellText = (vector: Vector, row: number) => string;

function rowLoop(batch: Batch, cells: readonly CellText[], start: string, separator: string, end: string): string {
  const parts: string[] = new Array(batch.rowCount);
  const vectors = batch.vectors;
  for (let r = 0; r < batch.rowCount; r++) {
    let line = start;
    for (let c = 0; c < cells.length; c++) {
      if (c > 0) line += separator;
      line += cells[c](vectors[c], r);
    }
    parts[r] = line + end;
  }
  return parts.join('');
}

function tabSeparated(name: OutputFormatName, schema: readonly Column[]): OutputFormat {
  const cells = schema.map((column): CellText => (vector, row) => tabSeparatedField(column.type, valueAt(vector, row)));
  const escape = (text: string) => tabSeparatedField({ kind: 'string' }, text);
  let header = '';
  if (name !== 'TabSeparated') header += `${schema.map((c) => escape(c.name)).join('\t')}\n`;
  if (name === 'TabSeparatedWithNamesAndTypes') header += `${schema.map((c) => escape(clickHouseTypeName(c.type))).join('\t')}\n`;
  return {
    name,
    contentType: 'text/tab-separated-values; charset=UTF-8',
    header: () => header,
    rows: (batch) => rowLoop(batch, cells, '', '\t', '\n'),
    footer: () => '',
  };
}

function csvQuote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

function csvCell(type: DataType): CellText {
  const kind = baseType(type).kind;
  const quoted = kind === 'string' || kind === 'uuid' || kind === 'datetime64' || kind === 'datetime' || kind === 'date' || kind === 'array';
  return (vector, row) => {
    const text = valueText(type, valueAt(vector, row));
    if (text === null) return '\\N';
    return quoted ? csvQuote(text) : text;
  };
}

function csv(name: OutputFormatName, schema: readonly Column[]): OutputFormat {
  const cells = schema.map((column) => csvCell(column.type));
  let header = '';
  if (name !== 'CSV') header += `${schema.map((c) => csvQuote(c.name)).join(',')}\n`;
  if (name === 'CSVWithNamesAndTypes') header += `${schema.map((c) => csvQuote(clickHouseTypeName(c.type))).join(',')}\n`;
  return {
    name,
    contentType: `text/csv; charset=UTF-8; header=${name === 'CSV' ? 'absent' : 'present'}`,
    header: () => header,
    rows: (batch) => rowLoop(batch, cells, '', ',', '\n'),
    footer: () => '',
  };
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A value as JSON text under ClickHouse's rules (see the top of the file). */
function jsonValue(type: DataType, value: Value, quote64: boolean): string {
  if (value === null) return 'null';
  const base = baseType(type);
  switch (base.kind) {
    case 'int64':
    case 'uint64':
      return quote64 ? `"${String(value)}"` : String(value);
    case 'float32':
    case 'float64':
      return Number.isFinite(value as number) ? String(value) : 'null';
    case 'bool':
      return value === true || value === 1 ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint8':
    case 'uint16':
    case 'uint32':
      return String(value);
    case 'array':
      return `[${(value as readonly Value[]).map((v) => jsonValue(base.element, v, quote64)).join(',')}]`;
    default:
      return JSON.stringify(valueText(base, value));
  }
}

function jsonCells(schema: readonly Column[], quote64: boolean): CellText[] {
  return schema.map((column): CellText => (vector, row) => jsonValue(column.type, valueAt(vector, row), quote64));
}

function jsonEachRow(schema: readonly Column[], quote64: boolean): OutputFormat {
  const values = jsonCells(schema, quote64);
  const cells = schema.map((column, c): CellText => {
    const key = `${JSON.stringify(column.name)}:`;
    return (vector, row) => key + values[c](vector, row);
  });
  return {
    name: 'JSONEachRow',
    contentType: 'application/x-ndjson; charset=UTF-8',
    header: () => '',
    rows: (batch) => rowLoop(batch, cells, '{', ',', '}\n'),
    footer: () => '',
  };
}

function jsonCompactEachRow(schema: readonly Column[], quote64: boolean): OutputFormat {
  const cells = jsonCells(schema, quote64);
  return {
    name: 'JSONCompactEachRow',
    contentType: 'application/x-ndjson; charset=UTF-8',
    header: () => '',
    rows: (batch) => rowLoop(batch, cells, '[', ', ', ']\n'),
    footer: () => '',
  };
}

/** JSON and JSONCompact: one document {meta, data, rows, statistics}, data written per batch. */
function jsonDocument(name: 'JSON' | 'JSONCompact', schema: readonly Column[], quote64: boolean): OutputFormat {
  const values = jsonCells(schema, quote64);
  const compact = name === 'JSONCompact';
  const cells = compact
    ? values
    : schema.map((column, c): CellText => {
        const key = `${JSON.stringify(column.name)}: `;
        return (vector, row) => key + values[c](vector, row);
      });
  const [open, close] = compact ? ['\t\t[', ']'] : ['\t\t{', '}'];
  let written = 0;
  const meta = schema
    .map((c) => `\t\t{\n\t\t\t"name": ${JSON.stringify(c.name)},\n\t\t\t"type": ${JSON.stringify(clickHouseTypeName(c.type))}\n\t\t}`)
    .join(',\n');
  return {
    name,
    contentType: 'application/json; charset=UTF-8',
    header: () => `{\n\t"meta":\n\t[\n${meta}\n\t],\n\n\t"data":\n\t[\n`,
    rows: (batch) => {
      if (batch.rowCount === 0) return '';
      const text = rowLoop(batch, cells, open, ', ', `${close},\n`);
      const prefix = written > 0 ? ',\n' : '';
      written += batch.rowCount;
      return prefix + text.slice(0, -2); // the last row's ",\n" waits for the next batch or the footer
    },
    footer: (stats) =>
      `${written > 0 ? '\n' : ''}\t],\n\n\t"rows": ${written},\n\n\t"statistics":\n\t{\n` +
      `\t\t"elapsed": ${stats.elapsedSeconds},\n\t\t"rows_read": ${stats.rowsRead},\n\t\t"bytes_read": ${stats.bytesRead}\n\t}\n}\n`,
  };
}

// ---------------------------------------------------------------------------------------------
// PrettyCompact: one box per batch, as ClickHouse prints one per block (so live queries stream).

function prettyCompact(schema: readonly Column[]): OutputFormat {
  const texts = schema.map((column): CellText => (vector, row) => valueText(column.type, valueAt(vector, row)) ?? 'ᴺᵁᴸᴸ');
  const numeric = schema.map((c) => /int|float/.test(baseType(c.type).kind));
  return {
    name: 'PrettyCompact',
    contentType: 'text/plain; charset=UTF-8',
    header: () => '',
    rows: (batch) => {
      if (batch.rowCount === 0) return '';
      const grid: string[][] = [];
      for (let r = 0; r < batch.rowCount; r++) grid.push(texts.map((cell, c) => cell(batch.vectors[c], r).replaceAll('\n', '\\n').replaceAll('\t', '\\t')));
      const widths = schema.map((column, c) => Math.max(column.name.length, ...grid.map((row) => row[c].length)));
      const top = `┌─${schema.map((column, c) => column.name + '─'.repeat(widths[c] - column.name.length)).join('─┬─')}─┐\n`;
      const body = grid
        .map((row) => `│ ${row.map((text, c) => (numeric[c] ? text.padStart(widths[c]) : text.padEnd(widths[c]))).join(' │ ')} │\n`)
        .join('');
      const bottom = `└─${widths.map((w) => '─'.repeat(w)).join('─┴─')}─┘\n`;
      return top + body + bottom;
    },
    footer: () => '',
  };
}

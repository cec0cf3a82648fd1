// Result tables for the interactive shell: box drawing, fitted to the terminal's width. When the
// natural widths do not fit, the widest columns give up width first (never below
// TABLE_COLUMN_WIDTH_MIN) and cut cells end in '…'. Numbers are right-aligned. Control characters
// in cells print escaped (\n, \t) so one row stays one line.
//
//   ┌────────┬───┐
//   │ device │ v │
//   ├────────┼───┤
//   │ a      │ 1 │
//   └────────┴───┘
import type { Batch, Column } from '../../types/batch.ts';
import { valueText } from '../../engine/format/text-values.ts';
import { valueAt } from '../../types/vector.ts';
import type { DataType } from '../../types/data-type.ts';

/** A column never gets narrower than this when the table is squeezed (its name may be cut). */
export const TABLE_COLUMN_WIDTH_MIN = 3;
/** Used when the output is not a terminal (no width to fit). */
export const TABLE_WIDTH_DEFAULT = 120;

export interface TableColumn {
  readonly name: string;
  readonly alignRight: boolean;
}

export function tableColumns(schema: readonly Column[]): TableColumn[] {
  return schema.map((column) => ({ name: column.name, alignRight: isNumeric(column.type) }));
}

/** The display text of every cell of a batch, row by row. NULL prints as NULL. */
export function batchCells(batch: Batch): string[][] {
  const out: string[][] = [];
  for (let r = 0; r < batch.rowCount; r++) {
    const row: string[] = [];
    for (let c = 0; c < batch.columns.length; c++) {
      row.push(escapeControl(valueText(batch.columns[c].type, valueAt(batch.vectors[c], r)) ?? 'NULL'));
    }
    out.push(row);
  }
  return out;
}

/** The table as lines ending in '\n', at most `maxWidth` characters wide (where the columns allow). */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], maxWidth: number): string {
  if (columns.length === 0) return '';
  const natural = columns.map((column, c) => Math.max(displayLength(column.name), ...rows.map((row) => displayLength(row[c] ?? ''))));
  const widths = fitWidths(natural, maxWidth - (3 * columns.length + 1));
  const line = (left: string, middle: string, right: string) => `${left}─${widths.map((w) => '─'.repeat(w)).join(`─${middle}─`)}─${right}\n`;
  const cellsLine = (cells: readonly string[], header: boolean) =>
    `│ ${widths.map((w, c) => pad(cut(cells[c] ?? '', w), w, !header && columns[c].alignRight)).join(' │ ')} │\n`;
  let out = line('┌', '┬', '┐');
  out += cellsLine(
    columns.map((column) => column.name),
    true,
  );
  out += line('├', '┼', '┤');
  for (const row of rows) out += cellsLine(row, false);
  out += line('└', '┴', '┘');
  return out;
}

/**
 * Column widths summing to at most `available`: the natural widths when they fit, otherwise every
 * column capped at the largest cap that fits (the leftover goes to the capped columns, left to right).
 */
export function fitWidths(natural: readonly number[], available: number): number[] {
  const total = natural.reduce((sum, w) => sum + w, 0);
  if (total <= available) return [...natural];
  const floor = natural.map((w) => Math.min(w, TABLE_COLUMN_WIDTH_MIN));
  const floorTotal = floor.reduce((sum, w) => sum + w, 0);
  if (floorTotal >= available) return floor;
  // The largest cap with sum(max(floor, min(w, cap))) <= available; widths are small, so search.
  let low = TABLE_COLUMN_WIDTH_MIN;
  let high = Math.max(...natural);
  const sumAt = (cap: number) => natural.reduce((sum, w, i) => sum + Math.max(floor[i], Math.min(w, cap)), 0);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (sumAt(mid) <= available) low = mid;
    else high = mid - 1;
  }
  const widths = natural.map((w, i) => Math.max(floor[i], Math.min(w, low)));
  let spare = available - widths.reduce((sum, w) => sum + w, 0);
  for (let i = 0; i < widths.length && spare > 0; i++) {
    if (widths[i] < natural[i]) {
      widths[i]++;
      spare--;
    }
  }
  return widths;
}

/** The text cut to `width` characters, ending in '…' when something was cut. */
export function cut(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return chars.slice(0, width - 1).join('') + '…';
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayLength(text)));
  return right ? fill + text : text + fill;
}

function displayLength(text: string): number {
  return Array.from(text).length;
}

function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text) ? text.replace(/[\u0000-\u001f\u007f]/g, (c) => CONTROL_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : text;
}

const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\u0000': '\\0' };

function isNumeric(type: DataType): boolean {
  const kind = type.kind === 'nullable' ? type.inner.kind : type.kind;
  return /^u?int\d+$|^float\d+$|^decimal/.test(kind);
}

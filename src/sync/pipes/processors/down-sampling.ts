// down-sampling-processor: one row per tumble window of `intervalMs` on event time, holding per
// series (measurement column) one aggregate of the window's non-NULL values.
//
// Windows are [k·interval, (k+1)·interval) on `_tp_time`; the output row's `_tp_time` is the window
// start. Aggregates and output types, per input column:
//   avg    numeric → float64                     count  any → int64 (non-NULL values)
//   sum    integers → int64, floats → float64     min, max, first, last  the input type
// For bool and string columns avg/sum/min/max are `last`. first/last go by event time (ties: the
// earlier arrival is first, the later one last). A series with no value in a window is NULL there;
// a window is emitted when any row fell into it. int64 values beyond 2^53 are exact in min, max,
// first and last, and rounded to doubles in sum and avg.
//
// Emission is driven by input alone, so a replay of the same batches from the same state emits the
// same rows for the same batches (the rule of the engine's streaming tumble, zero allowed lateness):
// - the watermark is the largest `_tp_time` seen; after each batch, every open window whose end is at
//   or before it is emitted, in window order, as part of that batch's output;
// - a row whose window ends at or before the watermark (as it stood before the row's batch) is late:
//   its window was emitted or could have been, so it is dropped and counted in lateRows;
// - no wall clock: the last window of a stream that goes quiet is emitted when a later row arrives.
// So between batches at most one window is open (the one holding the watermark). Within a batch
// each distinct window is open until the batch ends; DOWN_SAMPLING_OPEN_WINDOWS_MAX bounds them: a
// batch whose rows would open more is processed as consecutive slices, each ending before the row
// that would open one too many, and the watermark advances (emitting the oldest windows early)
// after each slice, as if the slices were separate batches.
//
// State (snapshot): the open windows' partial aggregates, the watermark and lateRows, as JSON; the
// emitted frontier is implied (a window is emitted iff its end <= watermark). Series are matched by
// name on restore, so a column added to the stream later starts empty.
import assert from 'node:assert/strict';
import { DbError } from '../../../core/errors.ts';
import type { Column } from '../../../types/batch.ts';
import { type DataType, type DataTypeKind, T } from '../../../types/data-type.ts';
import type { Value } from '../../../types/vector.ts';
import { type Col, baseType, colFromValues, colValueAt, nullableOf, numbersOfCol } from '../../../engine/column.ts';
import { type ExecBatch, takeCol } from '../../../engine/exec-batch.ts';
import { TIME_COLUMN } from '../../../storage/catalog/names.ts';
import type { DownSamplingFunction, PipeProcessor } from '../pipe-types.ts';

/** Windows one instance holds open at once (see the header: only a batch spanning many windows nears it). */
export const DOWN_SAMPLING_OPEN_WINDOWS_MAX = 4096;
assert(DOWN_SAMPLING_OPEN_WINDOWS_MAX >= 2, 'one window stays open between batches; a slice must be able to open another');

const STATE_VERSION = 1;
const NUMERIC_KINDS: readonly DataTypeKind[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];
const FLOAT_KINDS: readonly DataTypeKind[] = ['float32', 'float64'];

type Fold = DownSamplingFunction;

interface Series {
  readonly name: string;
  readonly fold: Fold;
  /** Output type (nullable). */
  readonly type: DataType;
}

/** One window's partial aggregates, one slot per series. */
interface Window {
  readonly start: number;
  /** Non-NULL values folded in. */
  readonly counts: Float64Array;
  /** sum/avg: the running sum; min/max/first/last: the value so far; null before the first value. */
  readonly values: Value[];
  /** first/last: the event time of `values[i]`. */
  readonly times: Float64Array;
}

/** The JSON form of the state (snapshot()). */
export interface DownSamplingState {
  readonly version: number;
  readonly intervalMs: number;
  readonly fn: DownSamplingFunction;
  /** null: no row seen yet. */
  readonly watermark: number | null;
  readonly lateRows: number;
  readonly series: readonly string[];
  readonly windows: readonly {
    readonly start: number;
    readonly counts: readonly number[];
    readonly values: readonly JsonValue[];
    readonly times: readonly number[];
  }[];
}

/** A Value in JSON: bigints and non-finite numbers (and -0) are tagged, strings are wrapped. */
type JsonValue = null | boolean | number | { readonly s: string } | { readonly bigint: string } | { readonly number: string };

export function createDownSamplingProcessor(
  intervalMs: number,
  fn: DownSamplingFunction,
  input: readonly Column[],
  state: unknown,
  streamName: string,
): PipeProcessor {
  assert(input.length > 0 && input[0]!.name === TIME_COLUMN, `a lane's batches start with ${TIME_COLUMN}`);
  assert(Number.isSafeInteger(intervalMs) && intervalMs > 0);
  const processor = new DownSamplingProcessor(intervalMs, fn, input);
  if (state !== null && state !== undefined) processor.restore(state, streamName);
  return processor;
}

class DownSamplingProcessor implements PipeProcessor {
  readonly schema: readonly Column[];
  lateRows = 0;
  private readonly intervalMs: number;
  private readonly fn: DownSamplingFunction;
  private readonly series: readonly Series[];
  private readonly timeType: DataType;
  private watermark = -Infinity;
  private readonly open = new Map<number, Window>();

  constructor(intervalMs: number, fn: DownSamplingFunction, input: readonly Column[]) {
    this.intervalMs = intervalMs;
    this.fn = fn;
    this.timeType = input[0]!.type;
    this.series = input.slice(1).map((column) => seriesOf(column, fn));
    this.schema = [input[0]!, ...this.series.map((s) => ({ name: s.name, type: s.type }))];
  }

  process(batch: ExecBatch): ExecBatch | null {
    if (batch.rowCount === 0) return null;
    assert(batch.cols.length === this.series.length + 1, 'a batch has the lane schema');
    const timeCol = batch.cols[0]!;
    assert(timeCol.nulls === null || !timeCol.nulls.includes(1), `${TIME_COLUMN} is never NULL`);
    const times = numbersOfCol(timeCol, TIME_COLUMN);
    const emitted: Window[] = [];
    for (let from = 0; from < batch.rowCount; ) {
      from = this.foldSlice(batch, times, from);
      this.emitClosed(emitted);
    }
    return emitted.length === 0 ? null : this.output(emitted);
  }

  snapshot(): DownSamplingState {
    const windows = [...this.open.values()].sort((a, b) => a.start - b.start);
    return {
      version: STATE_VERSION,
      intervalMs: this.intervalMs,
      fn: this.fn,
      watermark: this.watermark === -Infinity ? null : this.watermark,
      lateRows: this.lateRows,
      series: this.series.map((s) => s.name),
      windows: windows.map((w) => ({ start: w.start, counts: Array.from(w.counts), values: w.values.map(encodeValue), times: Array.from(w.times) })),
    };
  }

  /** Loads a snapshot() of an instance with the same configuration (see the header for series). */
  restore(raw: unknown, streamName: string): void {
    const fail = (why: string): never => {
      throw new DbError('INVALID_ARGUMENT', `down-sampling state of stream ${streamName} cannot be restored: ${why}`);
    };
    const state = raw as Partial<DownSamplingState>;
    if (typeof raw !== 'object' || raw === null || state.version !== STATE_VERSION) return fail(`expected state version ${STATE_VERSION}`);
    if (state.intervalMs !== this.intervalMs || state.fn !== this.fn) {
      return fail(`it was saved for interval ${String(state.intervalMs)} ms and ${String(state.fn)}, not ${this.intervalMs} ms and ${this.fn}`);
    }
    if (!Array.isArray(state.series) || !Array.isArray(state.windows)) return fail('series or windows missing');
    if (state.watermark !== null && typeof state.watermark !== 'number') return fail('watermark is not a number');
    if (typeof state.lateRows !== 'number') return fail('lateRows is not a number');
    const slotOf = state.series.map((name) => this.series.findIndex((s) => s.name === name));
    this.open.clear();
    for (const saved of state.windows) {
      const width = state.series.length;
      if (typeof saved.start !== 'number' || saved.counts?.length !== width || saved.values?.length !== width || saved.times?.length !== width) {
        return fail('a window does not match the series list');
      }
      const window = newWindow(saved.start, this.series.length);
      slotOf.forEach((slot, i) => {
        if (slot < 0) return;
        window.counts[slot] = saved.counts[i]!;
        window.values[slot] = decodeValue(saved.values[i]!);
        window.times[slot] = saved.times[i]!;
      });
      this.open.set(saved.start, window);
    }
    this.watermark = state.watermark ?? -Infinity;
    this.lateRows = state.lateRows;
  }

  /** Folds rows [from, …) into their windows, up to the row that would open one window too many; returns where it stopped. */
  private foldSlice(batch: ExecBatch, times: Float64Array, from: number): number {
    const interval = this.intervalMs;
    const buckets = new Map<number, number[]>();
    let opened = 0;
    let maxTime = -Infinity;
    let lastStart = NaN;
    let lastRows: number[] | undefined;
    let row = from;
    for (; row < batch.rowCount; row++) {
      const t = times[row]!;
      const start = Math.floor(t / interval) * interval;
      if (!(start + interval > this.watermark)) {
        this.lateRows++;
        continue;
      }
      // Rows usually arrive in time order: consecutive rows share a window, so skip the lookup.
      if (start !== lastStart) {
        lastRows = buckets.get(start);
        if (lastRows === undefined) {
          if (!this.open.has(start)) {
            if (this.open.size + opened >= DOWN_SAMPLING_OPEN_WINDOWS_MAX) break;
            opened++;
          }
          buckets.set(start, (lastRows = []));
        }
        lastStart = start;
      }
      lastRows!.push(row);
      if (t > maxTime) maxTime = t;
    }
    assert(row > from, 'a slice makes progress (at most one window is open between slices)');
    const windows: Window[] = [];
    const rowLists: number[][] = [];
    for (const [start, rows] of buckets) {
      let window = this.open.get(start);
      if (window === undefined) this.open.set(start, (window = newWindow(start, this.series.length)));
      windows.push(window);
      rowLists.push(rows);
    }
    for (let slot = 0; slot < this.series.length; slot++) {
      foldSeries(this.series[slot]!.fold, slot, batch.cols[slot + 1]!, times, windows, rowLists);
    }
    this.watermark = Math.max(this.watermark, maxTime);
    return row;
  }

  /** Moves every window whose end is at or before the watermark to `out`, in window order. */
  private emitClosed(out: Window[]): void {
    if (this.open.size === 0) return;
    for (const start of [...this.open.keys()].sort((a, b) => a - b)) {
      if (start + this.intervalMs > this.watermark) break;
      out.push(this.open.get(start)!);
      this.open.delete(start);
    }
  }

  private output(windows: readonly Window[]): ExecBatch {
    const cols: Col[] = [colFromValues(this.timeType, windows.map((w) => w.start))];
    this.series.forEach((series, slot) => cols.push(colFromValues(series.type, windows.map((w) => resultOf(series.fold, w, slot)))));
    return { schema: this.schema, cols, rowCount: windows.length };
  }
}

function seriesOf(column: Column, fn: DownSamplingFunction): Series {
  const base = baseType(column.type);
  const numeric = NUMERIC_KINDS.includes(base.kind);
  if (fn === 'count') return { name: column.name, fold: 'count', type: T.nullable(T.int64) };
  if (!numeric && (fn === 'avg' || fn === 'sum' || fn === 'min' || fn === 'max')) return { name: column.name, fold: 'last', type: nullableOf(base) };
  if (fn === 'avg') return { name: column.name, fold: 'avg', type: T.nullable(T.float64) };
  if (fn === 'sum') return { name: column.name, fold: 'sum', type: T.nullable(FLOAT_KINDS.includes(base.kind) ? T.float64 : T.int64) };
  return { name: column.name, fold: fn, type: nullableOf(base) };
}

function newWindow(start: number, width: number): Window {
  return { start, counts: new Float64Array(width), values: new Array<Value>(width).fill(null), times: new Float64Array(width) };
}

/** Folds one series of a slice into its windows (`windows[i]` gets the rows `rowLists[i]`). */
function foldSeries(fold: Fold, slot: number, col: Col, times: Float64Array, windows: readonly Window[], rowLists: readonly number[][]): void {
  const nulls = col.nulls;
  switch (fold) {
    case 'count':
      for (let w = 0; w < windows.length; w++) {
        const rows = rowLists[w]!;
        let count = 0;
        for (let i = 0; i < rows.length; i++) if (nulls === null || nulls[rows[i]!] === 0) count++;
        windows[w]!.counts[slot] += count;
      }
      return;
    case 'sum':
    case 'avg': {
      const values = col.values instanceof Float64Array ? col.values : Float64Array.from(col.values as ArrayLike<number | bigint>, Number);
      for (let w = 0; w < windows.length; w++) {
        const rows = rowLists[w]!;
        let sum = 0;
        let count = 0;
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          if (nulls !== null && nulls[r] === 1) continue;
          sum += values[r]!;
          count++;
        }
        if (count === 0) continue;
        const window = windows[w]!;
        window.values[slot] = (window.counts[slot] === 0 ? 0 : (window.values[slot] as number)) + sum;
        window.counts[slot] += count;
      }
      return;
    }
    case 'min':
    case 'max': {
      const min = fold === 'min';
      const values = col.values as ArrayLike<number | bigint>;
      for (let w = 0; w < windows.length; w++) {
        const rows = rowLists[w]!;
        let best: number | bigint = 0;
        let count = 0;
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          if (nulls !== null && nulls[r] === 1) continue;
          const v = values[r]!;
          if (count === 0 || (min ? v < best : v > best)) best = v;
          count++;
        }
        if (count === 0) continue;
        const window = windows[w]!;
        const current = window.values[slot] as number | bigint;
        if (window.counts[slot] === 0 || (min ? best < current : best > current)) window.values[slot] = best;
        window.counts[slot] += count;
      }
      return;
    }
    case 'first':
    case 'last':
      foldFirstLast(fold === 'first', slot, col, times, windows, rowLists);
      return;
  }
}

/** first/last: picks one row per window by time, then reads just those rows (one takeCol per series). */
function foldFirstLast(first: boolean, slot: number, col: Col, times: Float64Array, windows: readonly Window[], rowLists: readonly number[][]): void {
  const nulls = col.nulls;
  const picks: number[] = [];
  const picked: Window[] = [];
  for (let w = 0; w < windows.length; w++) {
    const rows = rowLists[w]!;
    let best = -1;
    let bestTime = 0;
    let count = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (nulls !== null && nulls[r] === 1) continue;
      const t = times[r]!;
      if (best < 0 || (first ? t < bestTime : t >= bestTime)) {
        best = r;
        bestTime = t;
      }
      count++;
    }
    if (count === 0) continue;
    const window = windows[w]!;
    if (window.counts[slot] === 0 || (first ? bestTime < window.times[slot]! : bestTime >= window.times[slot]!)) {
      picks.push(best);
      picked.push(window);
      window.times[slot] = bestTime;
    }
    window.counts[slot] += count;
  }
  if (picks.length === 0) return;
  const taken = takeCol(col, Uint32Array.from(picks));
  for (let j = 0; j < picked.length; j++) picked[j]!.values[slot] = colValueAt(taken, j);
}

function resultOf(fold: Fold, window: Window, slot: number): Value {
  const count = window.counts[slot]!;
  if (count === 0) return null;
  if (fold === 'count') return count;
  if (fold === 'avg') return (window.values[slot] as number) / count;
  return window.values[slot]!;
}

function encodeValue(value: Value): JsonValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') return { s: value };
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { number: Object.is(value, -0) ? '-0' : String(value) };
  throw new DbError('INTERNAL', 'down-sampling holds no array values');
}

function decodeValue(json: JsonValue): Value {
  if (json === null || typeof json === 'boolean' || typeof json === 'number') return json;
  if ('s' in json) return json.s;
  if ('bigint' in json) return BigInt(json.bigint);
  return Number(json.number);
}

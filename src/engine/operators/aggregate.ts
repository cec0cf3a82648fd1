// The aggregate operator: GROUP BY with aggregates, globally or per window, over bounded or
// streaming input.
//
// Output columns, in order: window_start, window_end (windowed only), the group keys, the aggregates.
//
// Bounded input: everything is aggregated, then emitted once at the end (windows in start order).
// A global aggregate over no rows and no GROUP BY still emits one row (count() = 0), as SQL says.
//
// Streaming input:
// - tumble/hop: the watermark is the largest event time seen minus the allowed lateness; a window is
//   emitted once, as soon as the watermark reaches its end, and then forgotten. A row whose windows
//   have all been emitted is late: it is dropped and counted (`lateRows`), never folded in silently.
// - session: per key, a session grows while rows arrive within `gap` of its last row; it is emitted
//   when the watermark passes its last row + gap (window_end).
// - no window: the whole result so far is emitted every emit interval (EMIT PERIODIC), unchanged
//   state, so a later emit includes everything before it.
// Windows are emitted in window_start order, so a replay of the same input emits the same rows.
//
// Per batch: the WHERE predicate is fused in (its rows get group -1, none are copied); a single
// dictionary-coded key with aggregates that support it (count, avg, float sum, min/max over numbers
// without NULLs) runs as one generated loop (aggregates/fused.ts), otherwise group ids are assigned
// (group-keys.ts) and each aggregate state updates from them.
import type { Column } from '../../types/batch.ts';
import { T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import type { AggregateImpl, AggregateState } from '../aggregates/aggregate.ts';
import { type FusableState, type FusedPart, fusedKernel, isFusable } from '../aggregates/fused.ts';
import { type Col, colFromValues } from '../column.ts';
import { type ExecBatch, sliceCol, takeCol } from '../exec-batch.ts';
import type { CompiledExpr } from '../expr/compile.ts';
import type { EvalContext } from '../functions/function.ts';
import { GroupKeys, type RowFilter, skipMask } from './group-keys.ts';
import type { Pulse } from './pulse.ts';

export interface AggregateSpec {
  readonly impl: AggregateImpl;
  readonly args: readonly CompiledExpr[];
}

export type WindowSpec =
  | { readonly kind: 'tumble'; readonly time: CompiledExpr; readonly sizeMs: number }
  | { readonly kind: 'hop'; readonly time: CompiledExpr; readonly slideMs: number; readonly sizeMs: number }
  | { readonly kind: 'session'; readonly time: CompiledExpr; readonly gapMs: number };

export interface AggregateOptions {
  /** A WHERE predicate fused into the aggregation: rows where it is not true are skipped, not copied. */
  readonly filter: CompiledExpr | null;
  readonly keys: readonly CompiledExpr[];
  readonly aggregates: readonly AggregateSpec[];
  readonly window: WindowSpec | null;
  readonly streaming: boolean;
  /** Streaming global aggregates: how often the running result is emitted. */
  readonly emitIntervalMs: number;
  readonly allowedLatenessMs: number;
  readonly schema: readonly Column[];
  readonly context: EvalContext;
}

export interface AggregateStats {
  lateRows: number;
  emittedWindows: number;
}

interface GroupSet {
  readonly keys: GroupKeys;
  readonly states: AggregateState[];
}

interface Session {
  readonly keyValues: Value[];
  readonly start: number;
  last: number;
  readonly states: AggregateState[];
}

export async function* aggregate(input: AsyncIterable<Pulse>, options: AggregateOptions, stats: AggregateStats): AsyncGenerator<ExecBatch> {
  const { window } = options;
  if (window?.kind === 'session') {
    yield* sessionAggregate(input, options, window, stats);
    return;
  }
  const newSet = (): GroupSet => ({ keys: new GroupKeys(options.keys.length), states: options.aggregates.map((a) => a.impl.createState()) });
  const windows = new Map<number, GroupSet>();
  const global = newSet();
  let watermark = -Infinity;
  for await (const pulse of input) {
    if (pulse.kind === 'tick') {
      if (options.streaming && window === null && global.keys.size > 0) yield emitSet(options, global, null);
      continue;
    }
    const batch = pulse.batch;
    if (batch.rowCount === 0) continue;
    const where = options.filter === null ? null : options.filter.evaluate(batch, options.context);
    const keyCols = options.keys.map((k) => k.evaluate(batch, options.context));
    const argCols = options.aggregates.map((a) => a.args.map((arg) => arg.evaluate(batch, options.context)));
    if (window === null) {
      // The predicate goes to the group assignment as is: skipped rows get group -1 there.
      update(global, keyCols, argCols, batch.rowCount, where);
      continue;
    }
    const skip = where === null ? null : skipMask(where, batch.rowCount);
    const times = window.time.evaluate(batch, options.context).values as Float64Array;
    const size = window.sizeMs;
    const slide = window.kind === 'hop' ? window.slideMs : size;
    // Bucket rows by window start (a row is in size/slide windows), so each row is visited once
    // per window it belongs to, not once per window of the batch.
    const buckets = new Map<number, number[]>();
    let lastStart = NaN;
    let lastRows: number[] | undefined;
    let maxTime = -Infinity;
    for (let i = 0; i < batch.rowCount; i++) {
      if (skip !== null && skip[i] === 1) continue;
      const t = times[i];
      if (t > maxTime) maxTime = t;
      const last = Math.floor(t / slide) * slide;
      // A row is late when even its last window has closed.
      if (options.streaming && last + size <= watermark) {
        stats.lateRows++;
        continue;
      }
      for (let start = last; start > t - size; start -= slide) {
        if (options.streaming && start + size <= watermark) continue;
        // Rows usually arrive in time order: consecutive rows share a bucket, so skip the lookup.
        if (start !== lastStart) {
          lastRows = buckets.get(start);
          if (lastRows === undefined) buckets.set(start, (lastRows = []));
          lastStart = start;
        }
        lastRows!.push(i);
      }
    }
    for (const [start, rows] of buckets) {
      let set = windows.get(start);
      if (set === undefined) windows.set(start, (set = newSet()));
      const first = rows[0];
      const contiguous = rows[rows.length - 1] - first === rows.length - 1;
      if (rows.length === batch.rowCount) update(set, keyCols, argCols, batch.rowCount, null);
      else if (contiguous) {
        const end = first + rows.length;
        update(set, keyCols.map((c) => sliceCol(c, first, end)), argCols.map((args) => args.map((c) => sliceCol(c, first, end))), rows.length, null);
      } else {
        const indices = Uint32Array.from(rows);
        update(set, keyCols.map((c) => takeCol(c, indices)), argCols.map((args) => args.map((c) => takeCol(c, indices))), indices.length, null);
      }
    }
    if (options.streaming) {
      watermark = Math.max(watermark, maxTime - options.allowedLatenessMs);
      for (const start of [...windows.keys()].sort((a, b) => a - b)) {
        if (start + size > watermark) break;
        const set = windows.get(start)!;
        windows.delete(start);
        stats.emittedWindows++;
        if (set.keys.size > 0) yield emitSet(options, set, [start, start + size]);
      }
    }
  }
  // Input ended (bounded, or a streaming query cancelled/limited): emit what is left.
  if (window === null) {
    if (!options.streaming || global.keys.size > 0) {
      if (options.keys.length === 0 && global.keys.size === 0) global.keys.assign([], 0);
      if (global.keys.size > 0) yield emitSet(options, global, null);
    }
    return;
  }
  if (!options.streaming) {
    for (const start of [...windows.keys()].sort((a, b) => a - b)) {
      const set = windows.get(start)!;
      if (set.keys.size > 0) yield emitSet(options, set, [start, start + window.sizeMs]);
    }
  }
}

function update(set: GroupSet, keyCols: readonly Col[], argCols: readonly Col[][], rowCount: number, where: RowFilter): void {
  if (keyCols.length === 1 && fusedUpdate(set, keyCols[0], argCols, rowCount, where)) return;
  const groups = set.keys.assign(keyCols, rowCount, where);
  for (let a = 0; a < set.states.length; a++) set.states[a].update(groups, set.keys.size, argCols[a], rowCount);
}

/**
 * The batch in one fused loop (aggregates/fused.ts) when its shape allows: a single dictionary-coded
 * key from a coded batch and aggregates that can fuse for this batch. False: nothing was updated.
 */
function fusedUpdate(set: GroupSet, key: Col, argCols: readonly Col[][], rowCount: number, where: RowFilter): boolean {
  if (where !== null && !(where.values instanceof Float64Array)) return false;
  if (!set.states.every(isFusable)) return false;
  const lookup = set.keys.batchLookup(key);
  if (lookup === null) return false;
  const capacity = set.keys.size + lookup.newGroupsMax;
  const parts: FusedPart[] = [];
  for (let a = 0; a < set.states.length; a++) {
    const part = (set.states[a] as unknown as FusableState).fuse(argCols[a], capacity);
    if (part === null) return false;
    parts.push(part);
  }
  const kernel = fusedKernel(parts, lookup.codes, where !== null);
  kernel(rowCount, lookup.codes, lookup.table, lookup.resolve, where === null ? null : (where.values as Float64Array), where === null ? null : where.nulls, parts);
  return true;
}

function emitSet(options: AggregateOptions, set: GroupSet, bounds: [number, number] | null): ExecBatch {
  const groupCount = set.keys.size;
  const cols: Col[] = [];
  if (bounds !== null) {
    cols.push({ type: options.schema[0].type, values: new Float64Array(groupCount).fill(bounds[0]), nulls: null });
    cols.push({ type: options.schema[1].type, values: new Float64Array(groupCount).fill(bounds[1]), nulls: null });
  }
  const offset = bounds === null ? 0 : 2;
  for (let k = 0; k < options.keys.length; k++) cols.push(colFromValues(options.schema[offset + k].type, set.keys.keyValues[k]));
  for (const state of set.states) cols.push(state.result(groupCount));
  return { schema: options.schema, cols, rowCount: groupCount };
}

async function* sessionAggregate(
  input: AsyncIterable<Pulse>,
  options: AggregateOptions,
  window: Extract<WindowSpec, { kind: 'session' }>,
  stats: AggregateStats,
): AsyncGenerator<ExecBatch> {
  const sessions = new Map<string, Session>();
  const closed: Session[] = [];
  let watermark = -Infinity;
  const gap = window.gapMs;
  for await (const pulse of input) {
    if (pulse.kind === 'tick' || pulse.batch.rowCount === 0) continue;
    const batch = pulse.batch;
    const keyCols = options.keys.map((k) => k.evaluate(batch, options.context));
    const argCols = options.aggregates.map((a) => a.args.map((arg) => arg.evaluate(batch, options.context)));
    const times = window.time.evaluate(batch, options.context).values as Float64Array;
    const skip = options.filter === null ? null : skipMask(options.filter.evaluate(batch, options.context), batch.rowCount);
    // Assign rows to sessions, in event-time order within the batch.
    const order = Array.from({ length: batch.rowCount }, (_, i) => i)
      .filter((i) => skip === null || skip[i] === 0)
      .sort((a, b) => times[a] - times[b]);
    const local = new Map<Session, number>();
    const groups = new Int32Array(batch.rowCount).fill(-1);
    let maxTime = -Infinity;
    for (const i of order) {
      const t = times[i];
      maxTime = Math.max(maxTime, t);
      if (options.streaming && t + gap <= watermark) {
        stats.lateRows++;
        continue;
      }
      const keyValues = keyCols.map((c) => (c.nulls !== null && c.nulls[i] === 1 ? null : (c.values as ArrayLike<Value>)[i]));
      const key = JSON.stringify(keyValues, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      let session = sessions.get(key);
      if (session !== undefined && t - session.last > gap) {
        closed.push(session);
        sessions.delete(key);
        session = undefined;
      }
      if (session === undefined) {
        session = { keyValues, start: t, last: t, states: options.aggregates.map((a) => a.impl.createState()) };
        sessions.set(key, session);
      }
      session.last = Math.max(session.last, t);
      let id = local.get(session);
      if (id === undefined) local.set(session, (id = local.size));
      groups[i] = id;
    }
    // One vectorized update of a batch-local state, then merged into each session's own state.
    const scratch = options.aggregates.map((a) => a.impl.createState());
    for (let a = 0; a < scratch.length; a++) scratch[a].update(groups, local.size, argCols[a], batch.rowCount);
    for (const [session, id] of local) for (let a = 0; a < scratch.length; a++) session.states[a].merge(scratch[a], id, 0);
    if (options.streaming) {
      watermark = Math.max(watermark, maxTime - options.allowedLatenessMs);
      for (const [key, session] of sessions) {
        if (session.last + gap <= watermark) {
          closed.push(session);
          sessions.delete(key);
        }
      }
      if (closed.length > 0) yield emitSessions(options, closed.splice(0), stats);
    }
  }
  if (!options.streaming) {
    closed.push(...sessions.values());
    if (closed.length > 0) yield emitSessions(options, closed, stats);
  }
}

function emitSessions(options: AggregateOptions, sessions: Session[], stats: AggregateStats): ExecBatch {
  sessions.sort((a, b) => a.start - b.start);
  stats.emittedWindows += sessions.length;
  const n = sessions.length;
  const gap = (options.window as Extract<WindowSpec, { kind: 'session' }>).gapMs;
  const cols: Col[] = [
    { type: T.datetime64('UTC'), values: Float64Array.from(sessions, (s) => s.start), nulls: null },
    { type: T.datetime64('UTC'), values: Float64Array.from(sessions, (s) => s.last + gap), nulls: null },
  ];
  for (let k = 0; k < options.keys.length; k++) cols.push(colFromValues(options.schema[2 + k].type, sessions.map((s) => s.keyValues[k])));
  for (let a = 0; a < options.aggregates.length; a++) {
    const values: Col[] = sessions.map((s) => s.states[a].result(1));
    cols.push(concatSingles(values));
  }
  return { schema: options.schema, cols, rowCount: n };
}

function concatSingles(cols: Col[]): Col {
  const type = cols[0].type;
  const nulls = cols.some((c) => c.nulls !== null) ? Uint8Array.from(cols, (c) => c.nulls?.[0] ?? 0) : null;
  const first = cols[0].values;
  const values =
    first instanceof Float64Array
      ? Float64Array.from(cols, (c) => (c.values as Float64Array)[0])
      : first instanceof BigInt64Array
        ? BigInt64Array.from(cols.map((c) => (c.values as BigInt64Array)[0]))
        : first instanceof BigUint64Array
          ? BigUint64Array.from(cols.map((c) => (c.values as BigUint64Array)[0]))
          : cols.map((c) => (c.values as unknown[])[0]);
  return { type, values: values as Col['values'], nulls };
}

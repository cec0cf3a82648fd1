// Group keys: maps each row's key (one or more key columns) to a dense group id, keeping each
// group's key values for output. One Map lookup per row; single numeric or string keys use the
// value itself as the Map key, composite keys a joined string. NULL is a key value of its own.
// Faster paths: small integers index an array; a dictionary-coded string key maps codes to groups
// through an array, and a key from a dictionary-coded batch through a table per batch dictionary
// value (one Map lookup per distinct value, never per row). Groups are numbered in order of first
// use on every path.
import type { Value } from '../../types/vector.ts';
import { type Col, colValueAt } from '../column.ts';
import { type BatchCodes, DictionaryStringCol } from '../string-interner.ts';

/**
 * Which rows to group: a predicate column (a row is skipped where it is 0 or NULL, the WHERE rule),
 * or null for every row. Taking the predicate itself spares a pass that would turn it into a mask.
 */
export type RowFilter = Col | null;

const NULL_KEY = '\u0000null';
/** Integer keys below this index an array instead of hashing (the array grows only as far as used). */
const SMALL_KEY_LIMIT = 1 << 20;

/** The table of assignBatchCodes and batchLookup: group per batch code (-1 = not looked up yet), reset per batch. */
let groupOfBatchCode = new Int32Array(0);

export class GroupKeys {
  private readonly ids = new Map<unknown, number>();
  /** Group id + 1 per small integer key value (0 = not seen yet). */
  private groupOfSmall = new Int32Array(0);
  /** Group id + 1 per dictionary code of a dictionary-coded key (0 = not seen yet), for `codeDictionary`. */
  private groupOfCode: Int32Array = new Int32Array(0);
  /**
   * The dictionary `groupOfCode` belongs to. Codes mean something only within one interner's
   * dictionary: a query reading two sources (UNION ALL of two streams, or shards read with their own
   * interners) sees keys from several, and each gets its own code table (codeTables).
   */
  private codeDictionary: readonly string[] | null = null;
  private readonly codeTables = new Map<readonly string[], Int32Array>();
  /** keyValues[k][g]: value of key column k in group g. */
  readonly keyValues: Value[][];
  private count = 0;

  constructor(keyCount: number) {
    this.keyValues = Array.from({ length: keyCount }, () => []);
  }

  get size(): number {
    return this.count;
  }

  /**
   * A single key from a dictionary-coded batch: a table from the batch's codes to groups, filled as
   * rows need its entries (so groups are numbered in order of first use, as in assignCodes, and a
   * value whose rows are all skipped gets none); per row, one table lookup.
   */
  private assignBatchCodes(key: DictionaryStringCol, batch: BatchCodes, rowCount: number, where: RowFilter, groups: Int32Array): Int32Array {
    const { codes, remap } = batch;
    const nulls = key.nulls;
    const pass = where === null ? null : (where.values as Float64Array);
    const passNulls = where === null ? null : where.nulls;
    if (groupOfBatchCode.length < remap.length) groupOfBatchCode = new Int32Array(Math.max(remap.length, 2 * groupOfBatchCode.length));
    const table = groupOfBatchCode;
    table.fill(-1, 0, remap.length);
    for (let i = 0; i < rowCount; i++) {
      if (pass !== null && (pass[i] === 0 || (passNulls !== null && passNulls[i] === 1))) {
        groups[i] = -1;
        continue;
      }
      if (nulls !== null && nulls[i] === 1) {
        groups[i] = this.groupOfString(NULL_KEY);
        continue;
      }
      const j = codes[i];
      let id = table[j];
      if (id < 0) table[j] = id = this.groupOfCoded(key, remap[j], i);
      groups[i] = id;
    }
    return groups;
  }

  /**
   * For a fused loop (aggregates/fused.ts): when `key` is a single dictionary-coded key from a coded
   * batch without NULLs, its batch codes, a table from batch code to group (-1 = not looked up yet;
   * valid until the next call) and the lookup that fills it, which creates at most `newGroupsMax`
   * groups. Groups are numbered in order of first use, as `assign` numbers them.
   */
  batchLookup(key: Col): { codes: BatchCodes['codes']; table: Int32Array; resolve: (code: number, row: number) => number; newGroupsMax: number } | null {
    if (this.keyValues.length !== 1 || !(key instanceof DictionaryStringCol) || key.batch === null || key.isEncodedRows || key.nulls !== null) return null;
    const { codes, remap } = key.batch;
    if (groupOfBatchCode.length < remap.length) groupOfBatchCode = new Int32Array(Math.max(remap.length, 2 * groupOfBatchCode.length));
    const table = groupOfBatchCode;
    table.fill(-1, 0, remap.length);
    return { codes, table, resolve: (code, row) => this.groupOfCoded(key, remap[code], row), newGroupsMax: remap.length };
  }

  /** Points groupOfCode at the code table of `dictionary`. */
  private useDictionary(dictionary: readonly string[]): void {
    if (this.codeDictionary === dictionary) return;
    if (this.codeDictionary !== null) this.codeTables.set(this.codeDictionary, this.groupOfCode);
    this.groupOfCode = this.codeTables.get(dictionary) ?? new Int32Array(0);
    this.codeDictionary = dictionary;
  }

  /** The group of a row of a coded key: by its code, or by its string when it has none. */
  private groupOfCoded(key: DictionaryStringCol, code: number, row: number): number {
    if (code < 0) return this.groupOfString(key.stringAt(row));
    this.useDictionary(key.dictionary);
    if (this.groupOfCode.length <= code) {
      const grown = new Int32Array(Math.max(key.dictionary.length, code + 1, this.groupOfCode.length * 2, 64));
      grown.set(this.groupOfCode);
      this.groupOfCode = grown;
    }
    let id = this.groupOfCode[code] - 1;
    if (id < 0) {
      // The same string may already have a group through the Map (a row without a code earlier).
      id = this.groupOfString(key.dictionary[code]);
      this.groupOfCode[code] = id + 1;
    }
    return id;
  }

  /** The group of a string key (or NULL_KEY) through the Map. */
  private groupOfString(k: string): number {
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.count++;
      this.ids.set(k, id);
      this.keyValues[0].push(k === NULL_KEY ? null : k);
    }
    return id;
  }

  /**
   * A single dictionary-coded string key: rows map to groups through their codes (an array index,
   * no hashing); rows without a code go through the ordinary Map by their string.
   */
  private assignCodes(key: DictionaryStringCol, rowCount: number, where: RowFilter, groups: Int32Array): Int32Array {
    if (!key.isEncodedRows && key.batch !== null) return this.assignBatchCodes(key, key.batch, rowCount, where, groups);
    const codes = key.codes;
    this.useDictionary(key.dictionary);
    const nulls = key.nulls;
    const pass = where === null ? null : (where.values as Float64Array);
    const passNulls = where === null ? null : where.nulls;
    if (this.groupOfCode.length < key.dictionary.length) {
      const grown = new Int32Array(Math.max(key.dictionary.length, this.groupOfCode.length * 2, 64));
      grown.set(this.groupOfCode);
      this.groupOfCode = grown;
    }
    const groupOfCode = this.groupOfCode;
    for (let i = 0; i < rowCount; i++) {
      if (pass !== null && (pass[i] === 0 || (passNulls !== null && passNulls[i] === 1))) {
        groups[i] = -1;
        continue;
      }
      const code = codes[i];
      if (code < 0 || (nulls !== null && nulls[i] === 1)) {
        const k = nulls !== null && nulls[i] === 1 ? NULL_KEY : key.stringAt(i);
        let id = this.ids.get(k);
        if (id === undefined) {
          id = this.count++;
          this.ids.set(k, id);
          this.keyValues[0].push(k === NULL_KEY ? null : k);
        }
        groups[i] = id;
        continue;
      }
      let id = groupOfCode[code] - 1;
      if (id < 0) {
        // The same string may already have a group through the Map (a row without a code earlier).
        const value = key.dictionary[code];
        id = this.ids.get(value) ?? -1;
        if (id < 0) {
          id = this.count++;
          this.ids.set(value, id);
          this.keyValues[0].push(value);
        }
        groupOfCode[code] = id + 1;
      }
      groups[i] = id;
    }
    return groups;
  }

  /**
   * A single numeric key: small non-negative integers (status codes, ids, bucket numbers) index an
   * array directly; other values (and NULL) go through the Map.
   */
  private assignNumbers(key: Col, rowCount: number, where: RowFilter, groups: Int32Array): Int32Array {
    const values = key.values as Float64Array;
    const nulls = key.nulls;
    const pass = where === null ? null : (where.values as Float64Array);
    const passNulls = where === null ? null : where.nulls;
    let groupOfSmall = this.groupOfSmall;
    for (let i = 0; i < rowCount; i++) {
      if (pass !== null && (pass[i] === 0 || (passNulls !== null && passNulls[i] === 1))) {
        groups[i] = -1;
        continue;
      }
      const v = values[i];
      const isNull = nulls !== null && nulls[i] === 1;
      if (!isNull && v >= 0 && v < SMALL_KEY_LIMIT && (v | 0) === v) {
        if (v >= groupOfSmall.length) {
          const grown = new Int32Array(Math.min(SMALL_KEY_LIMIT, Math.max(v + 1, groupOfSmall.length * 2, 64)));
          grown.set(groupOfSmall);
          this.groupOfSmall = groupOfSmall = grown;
        }
        let id = groupOfSmall[v] - 1;
        if (id < 0) {
          id = this.groupFor(v, key, i);
          groupOfSmall[v] = id + 1;
        }
        groups[i] = id;
        continue;
      }
      groups[i] = this.groupFor(isNull ? NULL_KEY : v, key, i);
    }
    return groups;
  }

  private groupFor(k: unknown, key: Col, row: number): number {
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.count++;
      this.ids.set(k, id);
      this.keyValues[0].push(colValueAt(key, row));
    }
    return id;
  }

  /** Group id of every row; rows `where` skips get -1. */
  assign(keys: readonly Col[], rowCount: number, where: RowFilter = null): Int32Array {
    const groups = new Int32Array(rowCount);
    const skip = where === null || keys.length === 1 ? null : skipMask(where, rowCount);
    if (keys.length === 0) {
      if (this.count === 0) this.count = 1;
      if (skip !== null) for (let i = 0; i < rowCount; i++) groups[i] = skip[i] === 1 ? -1 : 0;
      return groups;
    }
    if (keys.length === 1 && keys[0] instanceof DictionaryStringCol) return this.assignCodes(keys[0], rowCount, where, groups);
    if (keys.length === 1 && keys[0].values instanceof Float64Array) return this.assignNumbers(keys[0], rowCount, where, groups);
    if (keys.length === 1) {
      const key = keys[0];
      const values = key.values as ArrayLike<unknown>;
      const nulls = key.nulls;
      const pass = where === null ? null : (where.values as Float64Array);
      const passNulls = where === null ? null : where.nulls;
      for (let i = 0; i < rowCount; i++) {
        if (pass !== null && (pass[i] === 0 || (passNulls !== null && passNulls[i] === 1))) {
          groups[i] = -1;
          continue;
        }
        const k = nulls !== null && nulls[i] === 1 ? NULL_KEY : values[i];
        let id = this.ids.get(k);
        if (id === undefined) {
          id = this.count++;
          this.ids.set(k, id);
          this.keyValues[0].push(colValueAt(key, i));
        }
        groups[i] = id;
      }
      return groups;
    }
    for (let i = 0; i < rowCount; i++) {
      if (skip !== null && skip[i] === 1) {
        groups[i] = -1;
        continue;
      }
      let k = '';
      for (const key of keys) {
        const v = key.nulls !== null && key.nulls[i] === 1 ? NULL_KEY : (key.values as ArrayLike<unknown>)[i];
        k += `${typeof v === 'string' ? 's' : 'n'}${String(v).length}:${String(v)}|`;
      }
      let id = this.ids.get(k);
      if (id === undefined) {
        id = this.count++;
        this.ids.set(k, id);
        for (let c = 0; c < keys.length; c++) this.keyValues[c].push(colValueAt(keys[c], i));
      }
      groups[i] = id;
    }
    return groups;
  }
}

/** 1 where the predicate is false (0) or NULL. */
export function skipMask(predicate: Col, rowCount: number): Uint8Array {
  const values = predicate.values as Float64Array;
  const nulls = predicate.nulls;
  const skip = new Uint8Array(rowCount);
  if (nulls === null) for (let i = 0; i < rowCount; i++) skip[i] = values[i] === 0 ? 1 : 0;
  else for (let i = 0; i < rowCount; i++) skip[i] = values[i] === 0 || nulls[i] === 1 ? 1 : 0;
  return skip;
}

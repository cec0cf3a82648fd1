// StringInterner: decodes the string columns of one query into dictionary codes. Time-series keys
// (device ids, tags, statuses) repeat across rows and batches; decoding each row anew costs a native
// call and an allocation per row, and a fresh string has no cached hash, so a group-by rehashes it.
// Here a row costs an FNV-1a hash over its bytes, a probe of an open-addressing table held in typed
// arrays, and a byte comparison, and yields a code: the same value gets the same code (and the same
// string object) for the whole query. The column stays lazy (DictionaryStringCol): its strings are
// built only if an expression reads them; a GROUP BY on it works on the codes alone.
//
// A batch stored dictionary-coded (batch-codec.ts) skips the per-row work: its d distinct values are
// looked up once (`remap`), and the column's codes are remap[batch code] per row — an array index, no
// hashing, and the batch's plain offsets/bytes are never built unless a row has no code.
//
// Bounded: at most INTERNER_ENTRIES_MAX distinct values get codes; values longer than
// INTERNER_VALUE_BYTES_MAX, with non-ASCII bytes, or arriving when the table is full get code -1
// and are decoded on their own. Equality is always checked on the bytes, so a hash collision costs a
// probe, never a wrong value.
import type { Vector } from '../types/vector.ts';
import type { DataType } from '../types/data-type.ts';
import type { StringVector } from '../types/vector.ts';
import type { Col } from './column.ts';

/** Distinct values one interner keeps: bounds its memory per query. */
export const INTERNER_ENTRIES_MAX = 65_536;
/** Longest value interned: long values rarely repeat and comparing them costs more than decoding. */
export const INTERNER_VALUE_BYTES_MAX = 64;
/** Initial table slots (a power of two). The table doubles when half full, up to twice INTERNER_ENTRIES_MAX,
 *  so a short query pays for a few kilobytes, not for the largest table. */
const SLOTS_INITIAL = 256;

export class StringInterner {
  private slotHash = new Int32Array(SLOTS_INITIAL);
  /** Code + 1 of the value in each slot (0 = empty). */
  private slotCode = new Int32Array(SLOTS_INITIAL);
  /** The string of each code. */
  readonly dictionary: string[] = [];
  /** The bytes of each code's value, back to back, for byte-exact comparison: code c is at [poolStart[c], poolStart[c + 1]). */
  private pool = new Uint8Array(4 * 1024);
  private poolStart = new Int32Array(SLOTS_INITIAL / 2 + 1);

  /** Codes of rows [0, rowCount) of a string payload; -1 where a row is not interned. */
  encode(bytes: Uint8Array, offsets: Uint32Array, rowCount: number): Int32Array {
    const codes = new Int32Array(rowCount);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const dictionary = this.dictionary;
    let { slotHash, slotCode, poolStart } = this;
    let slotMask = slotHash.length - 1;
    for (let i = 0; i < rowCount; i++) {
      const start = offsets[i];
      const end = offsets[i + 1];
      const length = end - start;
      if (length > INTERNER_VALUE_BYTES_MAX) {
        codes[i] = -1;
        continue;
      }
      let hash = 0x811c9dc5 ^ length;
      let high = 0;
      for (let k = start; k < end; k++) {
        const b = bytes[k];
        high |= b;
        hash = Math.imul(hash ^ b, 0x01000193);
      }
      if (high >= 0x80) {
        codes[i] = -1;
        continue;
      }
      let slot = hash & slotMask;
      for (;;) {
        const code = slotCode[slot] - 1;
        if (code < 0) {
          if (dictionary.length < INTERNER_ENTRIES_MAX) {
            const next = dictionary.length;
            slotHash[slot] = hash;
            slotCode[slot] = next + 1;
            codes[i] = next;
            dictionary.push(buffer.toString('latin1', start, end));
            const at = poolStart[next];
            if (at + length > this.pool.length) {
              const grown = new Uint8Array(Math.max(this.pool.length * 2, at + length));
              grown.set(this.pool);
              this.pool = grown;
            }
            // A byte loop, not pool.set(bytes.subarray(…)): a subarray is a heap object per new value.
            const pool = this.pool;
            for (let k = 0; k < length; k++) pool[at + k] = bytes[start + k];
            poolStart[next + 1] = at + length;
            if (dictionary.length * 2 >= slotHash.length && dictionary.length < INTERNER_ENTRIES_MAX) {
              this.grow();
              ({ slotHash, slotCode, poolStart } = this);
              slotMask = slotHash.length - 1;
            }
          } else codes[i] = -1;
          break;
        }
        if (slotHash[slot] === hash && poolStart[code + 1] - poolStart[code] === length && sameBytes(this.pool, poolStart[code], bytes, start, length)) {
          codes[i] = code;
          break;
        }
        slot = (slot + 1) & slotMask;
      }
    }
    return codes;
  }

  /** The code of the value in bytes [start, end), added when new; -1 when it cannot have one (as in `encode`). */
  intern(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length > INTERNER_VALUE_BYTES_MAX) return -1;
    let hash = 0x811c9dc5 ^ length;
    let high = 0;
    for (let k = start; k < end; k++) {
      const b = bytes[k];
      high |= b;
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    if (high >= 0x80) return -1;
    const dictionary = this.dictionary;
    const slotMask = this.slotHash.length - 1;
    let slot = hash & slotMask;
    for (;;) {
      const code = this.slotCode[slot] - 1;
      if (code < 0) {
        if (dictionary.length >= INTERNER_ENTRIES_MAX) return -1;
        const next = dictionary.length;
        this.slotHash[slot] = hash;
        this.slotCode[slot] = next + 1;
        dictionary.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end));
        const at = this.poolStart[next];
        if (at + length > this.pool.length) {
          const grown = new Uint8Array(Math.max(this.pool.length * 2, at + length));
          grown.set(this.pool);
          this.pool = grown;
        }
        for (let k = 0; k < length; k++) this.pool[at + k] = bytes[start + k];
        this.poolStart[next + 1] = at + length;
        if (dictionary.length * 2 >= this.slotHash.length && dictionary.length < INTERNER_ENTRIES_MAX) this.grow();
        return next;
      }
      const poolStart = this.poolStart;
      if (this.slotHash[slot] === hash && poolStart[code + 1] - poolStart[code] === length && sameBytes(this.pool, poolStart[code], bytes, start, length)) {
        return code;
      }
      slot = (slot + 1) & slotMask;
    }
  }

  /** Per value of a batch's string dictionary, its code here (-1 where it gets none): one lookup per distinct value. */
  remap(offsets: Uint32Array, bytes: Uint8Array, size: number): Int32Array {
    const remap = new Int32Array(size);
    for (let j = 0; j < size; j++) remap[j] = this.intern(bytes, offsets[j], offsets[j + 1]);
    return remap;
  }

  /** Doubles the table and re-inserts every code (hashes are kept, so no value is rehashed). */
  private grow(): void {
    const size = this.slotHash.length * 2;
    const slotHash = new Int32Array(size);
    const slotCode = new Int32Array(size);
    const mask = size - 1;
    for (let s = 0; s < this.slotHash.length; s++) {
      const code = this.slotCode[s];
      if (code === 0) continue;
      let slot = this.slotHash[s] & mask;
      while (slotCode[slot] !== 0) slot = (slot + 1) & mask;
      slotHash[slot] = this.slotHash[s];
      slotCode[slot] = code;
    }
    this.slotHash = slotHash;
    this.slotCode = slotCode;
    const poolStart = new Int32Array(size / 2 + 1);
    poolStart.set(this.poolStart);
    this.poolStart = poolStart;
  }

  /**
   * The code of `value`, or -1 when it has none. A value without a code equals no coded row: every
   * value the table can hold (ASCII, at most INTERNER_VALUE_BYTES_MAX bytes) gets a code the first
   * time it is seen unless the table is full, and a full table still finds the values it holds.
   * Rows already encoded are therefore compared correctly; rows with code -1 must be compared by value.
   */
  codeOf(value: string): number {
    const length = value.length;
    if (length > INTERNER_VALUE_BYTES_MAX) return -1;
    let hash = 0x811c9dc5 ^ length;
    for (let k = 0; k < length; k++) {
      const c = value.charCodeAt(k);
      if (c >= 0x80) return -1;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    const { slotHash, slotCode, poolStart, pool } = this;
    const slotMask = slotHash.length - 1;
    let slot = hash & slotMask;
    for (;;) {
      const code = slotCode[slot] - 1;
      if (code < 0) return -1;
      if (slotHash[slot] === hash && poolStart[code + 1] - poolStart[code] === length) {
        const at = poolStart[code];
        let same = true;
        for (let k = 0; k < length && same; k++) same = pool[at + k] === value.charCodeAt(k);
        if (same) return code;
      }
      slot = (slot + 1) & slotMask;
    }
  }

  /** A lazy string column over one payload. */
  column(type: DataType, bytes: Uint8Array, offsets: Uint32Array, rowCount: number, nulls: Uint8Array | null): DictionaryStringCol {
    return new DictionaryStringCol(type, null, this.dictionary, bytes, offsets.subarray(0, rowCount + 1), nulls, this);
  }

  /**
   * A coded column over a vector that carries a dictionary: its values are interned once each, and
   * each row's code is an array lookup. The vector's plain offsets/bytes are read (and so built) only
   * when some value cannot be interned (non-ASCII, long, or the table is full): those rows decode
   * from them, as in `encode`.
   */
  dictionaryColumn(type: DataType, vector: StringVector, nulls: Uint8Array | null): DictionaryStringCol {
    const source = vector.dictionary!;
    const remap = this.remap(source.offsets, source.bytes, source.size);
    let complete = true;
    for (let j = 0; j < remap.length; j++) if (remap[j] < 0) complete = false;
    const rowCount = vector.rowCount;
    const batch: BatchCodes = { codes: source.codes.subarray(0, rowCount), remap };
    if (complete) return new DictionaryStringCol(type, null, this.dictionary, NO_BYTES, NO_OFFSETS, nulls, this, batch);
    return new DictionaryStringCol(type, null, this.dictionary, vector.bytes, vector.offsets.subarray(0, rowCount + 1), nulls, this, batch);
  }
}

/**
 * A column's rows as codes into its batch's dictionary, and that dictionary mapped to the query's
 * codes: row i has code remap[codes[i]] (-1: the value has none; decode the row). Readers that work
 * per distinct value (GROUP BY keys, equality with a constant) use it as is; `codes` expands it.
 */
export interface BatchCodes {
  readonly codes: Uint8Array | Uint16Array | Uint32Array;
  readonly remap: Int32Array;
}

/** Raw bytes and offsets of a coded column whose every row has a code (none is ever decoded from them). */
export const NO_BYTES = new Uint8Array(0);
export const NO_OFFSETS = new Uint32Array(0);

function sameBytes(pool: Uint8Array, at: number, bytes: Uint8Array, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (pool[at + k] !== bytes[start + k]) return false;
  return true;
}

/**
 * A string column held as dictionary codes (plus the raw bytes for rows without a code). The codes
 * are computed on first use (`codes`, `values`): a point query's `device = 'x'` compares the raw bytes
 * and then takes a row or two, so the batch's other strings are never hashed or decoded. `values`
 * builds the string array on first use; `stringAt`, `equalsConstant` and `codes` serve readers that
 * need less.
 */
export class DictionaryStringCol implements Col {
  readonly type: DataType;
  readonly nulls: Uint8Array | null;
  readonly dictionary: readonly string[];
  /** The interner that owns `dictionary`: it encodes the column lazily and looks codes up (null: codes given). */
  readonly interner: StringInterner | null;
  readonly rowCount: number;
  private readonly bytes: Uint8Array;
  /** Row i is bytes [offsets[i], offsets[i + 1]) (absolute: a slice shares the bytes). */
  private readonly offsets: Uint32Array;
  private encoded: Int32Array | null;
  /** The rows as batch codes (a dictionary-coded batch): `codes` is expanded from them on first use. */
  readonly batch: BatchCodes | null;
  private materialized: string[] | null = null;

  /** `codes` null: expanded from `batch` when given, else encoded by `interner`, on first use. */
  constructor(
    type: DataType,
    codes: Int32Array | null,
    dictionary: readonly string[],
    bytes: Uint8Array,
    offsets: Uint32Array,
    nulls: Uint8Array | null,
    interner: StringInterner | null = null,
    batch: BatchCodes | null = null,
  ) {
    if (codes === null && interner === null && batch === null) throw new Error('DictionaryStringCol: lazy codes need an interner');
    this.type = type;
    this.encoded = codes;
    this.batch = codes === null ? batch : null;
    this.dictionary = dictionary;
    this.bytes = bytes;
    this.offsets = offsets;
    this.nulls = nulls;
    this.interner = interner;
    this.rowCount = codes !== null ? codes.length : this.batch !== null ? this.batch.codes.length : offsets.length - 1;
  }

  /** Per row: an index into `dictionary`, or -1 (decode the row's bytes). */
  get codes(): Int32Array {
    if (this.encoded === null) {
      const batch = this.batch;
      if (batch === null) this.encoded = this.interner!.encode(this.bytes, this.offsets, this.rowCount);
      else {
        const codes = new Int32Array(this.rowCount);
        const { codes: from, remap } = batch;
        for (let i = 0; i < codes.length; i++) codes[i] = remap[from[i]];
        this.encoded = codes;
      }
    }
    return this.encoded;
  }

  /** Whether `codes` has been computed (expanded or encoded) already. */
  get isEncodedRows(): boolean {
    return this.encoded !== null;
  }

  /** Whether the codes exist or cost no hashing to get (reading `codes` computes them). */
  get isEncoded(): boolean {
    return this.encoded !== null || this.batch !== null;
  }

  /**
   * The rows as a plain string vector over the bytes they were read from, when no codes were made
   * yet (a column passed through untouched: forwarding, SELECT *); null otherwise. No hashing, no
   * UTF-8 decoding or encoding: the bytes are shared, the offsets rebased when the rows are a slice.
   */
  rawVector(type: DataType): Extract<Vector, { kind: 'string' }> | null {
    if (this.encoded !== null || this.batch !== null) return null;
    const rowCount = this.rowCount;
    const base = this.offsets[0];
    const offsets = base === 0 && this.offsets.length === rowCount + 1 ? this.offsets : this.offsets.slice(0, rowCount + 1).map((o) => o - base);
    return { kind: 'string', type, rowCount, offsets, bytes: this.bytes.subarray(base, this.offsets[rowCount]) };
  }

  stringAt(row: number): string {
    const code = this.encoded !== null ? this.encoded[row] : this.batch !== null ? this.batch.remap[this.batch.codes[row]] : -1;
    if (code >= 0) return this.dictionary[code];
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('utf8', this.offsets[row], this.offsets[row + 1]);
  }

  /**
   * 1 where the row equals `value` (0 with `negate`), per row; values under NULL rows mean nothing.
   * Coded rows compare codes (the constant's code is looked up once); before the column is encoded,
   * rows compare their UTF-8 bytes with the constant's, which is exact when bytesDecideEquality.
   */
  equalsConstant(value: string, negate: boolean): Float64Array {
    const rowCount = this.rowCount;
    const out = new Float64Array(rowCount);
    const hit = negate ? 0 : 1;
    const miss = 1 - hit;
    if (this.encoded === null && this.batch !== null && this.interner !== null) {
      // Per batch value: equal or not (codes of the same query compare exactly; a value without a
      // code is compared by its string, once per row).
      const { codes, remap } = this.batch;
      const code = this.interner.codeOf(value);
      const table = new Float64Array(remap.length);
      let uncoded = false;
      for (let j = 0; j < remap.length; j++) {
        if (remap[j] < 0) uncoded = true;
        table[j] = remap[j] >= 0 && remap[j] === code ? hit : miss;
      }
      for (let i = 0; i < rowCount; i++) out[i] = table[codes[i]];
      if (uncoded) for (let i = 0; i < rowCount; i++) if (remap[codes[i]] < 0) out[i] = this.stringAt(i) === value ? hit : miss;
      return out;
    }
    if (this.encoded === null && this.batch === null && bytesDecideEquality(value)) {
      const target = Buffer.from(value, 'utf8');
      const length = target.length;
      const { bytes, offsets } = this;
      for (let i = 0; i < rowCount; i++) {
        const start = offsets[i];
        let same = offsets[i + 1] - start === length;
        for (let k = 0; k < length && same; k++) same = bytes[start + k] === target[k];
        out[i] = same ? hit : miss;
      }
      return out;
    }
    const codes = this.codes;
    const code = this.interner === null ? -2 : this.interner.codeOf(value);
    for (let i = 0; i < rowCount; i++) {
      const c = codes[i];
      // Without an interner to look the constant up (code -2), coded rows compare their strings.
      const equal = c >= 0 && code !== -2 ? c === code : this.stringAt(i) === value;
      out[i] = equal ? hit : miss;
    }
    return out;
  }

  /** Rows [start, end), still coded (or still lazy); the raw bytes are shared (offsets are absolute into them). */
  slice(start: number, end: number): DictionaryStringCol {
    const nulls = this.nulls === null ? null : this.nulls.subarray(start, end);
    const codes = this.encoded === null ? null : this.encoded.subarray(start, end);
    const batch = codes !== null || this.batch === null ? null : { codes: this.batch.codes.subarray(start, end), remap: this.batch.remap };
    return new DictionaryStringCol(this.type, codes, this.dictionary, this.bytes, this.offsets.subarray(start, end + 1), nulls, this.interner, batch);
  }

  get values(): string[] {
    if (this.materialized === null) {
      const codes = this.codes;
      const out = new Array<string>(codes.length).fill('');
      for (let i = 0; i < out.length; i++) out[i] = codes[i] >= 0 ? this.dictionary[codes[i]] : this.stringAt(i);
      this.materialized = out;
    }
    return this.materialized;
  }
}

/**
 * Whether a row equals `value` exactly when its UTF-8 bytes equal `value`'s: true for text without
 * surrogates (astral characters fall back to decoding) and without U+FFFD, the character an invalid
 * byte sequence decodes to (so no row with other bytes can decode to `value`).
 */
function bytesDecideEquality(value: string): boolean {
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfffd) return false;
  }
  return true;
}

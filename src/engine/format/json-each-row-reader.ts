// The columnar JSONEachRow reader: the fast path of `INSERT … FORMAT JSONEachRow`. It scans the
// UTF-8 bytes of the data once and writes each key's values straight into that column's arrays —
// numbers into a Float64Array, booleans as 0/1, strings as UTF-8 bytes and offsets (the storage
// vector's own shape, so a string is never decoded to a JS string and encoded back), NULLs into a
// byte-per-row mask — with no object per row and no JSON.parse.
//
// It reads the common shape only: one flat object per line whose keys are known column names, each
// column of one JSON kind (numbers, strings or booleans, with or without nulls) present in every row
// or in none. Anything else it declines (`unsupported`): nested objects and arrays, a key that is
// unknown, repeated, escaped or in some rows only, a column mixing kinds, an object over several
// lines, lone surrogates, bytes that are not UTF-8, more than BATCH_ROWS_MAX rows. The caller then
// runs the generic parser (input-formats.ts), which decides and names the error as it always has.
// Malformed JSON is reported with its line and column (1-based, in characters) and what was
// expected (`malformed`); the caller still lets the generic parser decide, and uses this message
// when that parser fails on the same line.
//
// The arrays are sized from the first row's width (then doubled) and handed out as views of exactly
// rowCount elements; they belong to the caller. Hot loops: strings are scanned and copied four bytes
// at a time, keys compared a word at a time against the column the same key was in the row before.
//
// Numbers are exactly JSON.parse's: up to 15 significant digits without an exponent the value is
// mantissa / 10^fraction-digits (both exact doubles, so one correctly rounded division); longer
// ones and exponents go through Number() on the text, which uses the same conversion.
import { Buffer, isUtf8 } from 'node:buffer';
import { BATCH_ROWS_MAX } from '../../core/limits.ts';

/** One target column's values as the data gave them. `nulls` has a 1 for each row whose value was `null`. */
export type JsonColumn =
  /** The key is in no row. */
  | { readonly kind: 'absent' }
  /** Every row is `null`. */
  | { readonly kind: 'nulls'; readonly nulls: Uint8Array }
  | {
      readonly kind: 'numbers';
      readonly values: Float64Array;
      readonly nulls: Uint8Array | null;
      /** Every number is a safe integer (Number.isSafeInteger). */
      readonly safeIntegers: boolean;
      /** Some number is an integer (Number.isInteger). */
      readonly someInteger: boolean;
    }
  /** true / false as 1 / 0. */
  | { readonly kind: 'bools'; readonly values: Float64Array; readonly nulls: Uint8Array | null }
  /** Row i's UTF-8 bytes are bytes[offsets[i], offsets[i + 1]) (empty for NULL). */
  | { readonly kind: 'strings'; readonly offsets: Uint32Array; readonly bytes: Uint8Array; readonly nulls: Uint8Array | null };

export type JsonReadResult =
  | { readonly kind: 'columns'; readonly rowCount: number; readonly columns: readonly JsonColumn[] }
  /** With `column` and `message` when it declined at a line break inside a row: what a one-line row needed there. */
  | { readonly kind: 'unsupported'; readonly reason: string; readonly line: number; readonly column?: number; readonly message?: string }
  /** `line` and `column` are 1-based; `column` counts characters. */
  | { readonly kind: 'malformed'; readonly line: number; readonly column: number; readonly message: string };

const KIND_NONE = 0;
const KIND_NUMBER = 1;
const KIND_STRING = 2;
const KIND_BOOL = 3;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

const NO_BYTES = new Uint8Array(0);

/** 10^k, exact as doubles for k <= 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits a mantissa may have and stay exact in a double (10^15 < 2^53). */
const FAST_DIGITS_MAX = 15;

class Malformed {
  readonly at: number;
  readonly message: string;
  constructor(at: number, message: string) {
    this.at = at;
    this.message = message;
  }
}

class Unsupported {
  readonly at: number;
  readonly reason: string;
  /** What is wrong if the row was meant to be on one line (a line break where the row goes on). */
  readonly message: string | undefined;
  constructor(at: number, reason: string, message?: string) {
    this.at = at;
    this.reason = reason;
    this.message = message;
  }
}

/**
 * At a line break inside a row the generic parser decides (its one-array parse reads some rows
 * split over lines); anything else unexpected is malformed. Either way `message` says what a row
 * on one line would have needed.
 */
function lineBreakOr(c: number, at: number, message: string): Malformed | Unsupported {
  return c === NEWLINE ? new Unsupported(at, 'an object over several lines', message) : new Malformed(at, message);
}

/**
 * Reads JSONEachRow `bytes` into one JsonColumn per name in `names` (the target columns, in order).
 * Never throws for bad data: the result says what was wrong.
 */
export function readJsonEachRow(bytes: Uint8Array, names: readonly string[]): JsonReadResult {
  if (!isUtf8(bytes)) return { kind: 'unsupported', reason: 'the data is not valid UTF-8', line: 0 };
  const reader = new ColumnarReader(bytes, names);
  try {
    return reader.read();
  } catch (error) {
    if (error instanceof Malformed) {
      const { line, column } = position(bytes, error.at);
      return { kind: 'malformed', line, column, message: error.message };
    }
    if (error instanceof Unsupported) {
      const { line, column } = position(bytes, error.at);
      return error.message === undefined ? { kind: 'unsupported', reason: error.reason, line } : { kind: 'unsupported', reason: error.reason, line, column, message: error.message };
    }
    throw error;
  }
}

/** 1-based line and character column of byte `at`. */
function position(bytes: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(at, bytes.length);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === NEWLINE) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, end - lineStart).toString('utf8').length + 1;
  return { line, column };
}

/** What the byte at a position is, for messages: 'x', a code, or the end of the data. */
function shown(bytes: Uint8Array, at: number): string {
  if (at >= bytes.length) return 'the end of the data';
  const c = bytes[at];
  if (c === NEWLINE) return 'the end of the line';
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  if (c < 0x80) return `byte 0x${c.toString(16).padStart(2, '0')}`;
  // The whole UTF-8 character (the data is valid UTF-8).
  const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
  return `'${Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(length, bytes.length - at)).toString('utf8')}'`;
}

class ColumnarReader {
  private readonly b: Uint8Array;
  private readonly buffer: Buffer;
  private readonly n: number;
  private readonly names: readonly string[];
  /** UTF-8 of each name, or null when a raw key can never equal it byte for byte (it holds '"', '\', a control character or a lone surrogate). */
  private readonly nameBytes: (Uint8Array | null)[];
  /** Bytes of each name and its closing quote in the data (0 when no raw key can equal it). */
  private readonly keyLengths: Int32Array;
  /** Those bytes as little-endian 4-byte words, the last one ending at the quote (empty under 4 bytes). */
  private readonly keyWords: (Int32Array | null)[];
  private readonly columnCount: number;

  // Per column state.
  private readonly kinds: Uint8Array;
  private readonly present: Int32Array;
  private readonly lastRow: Int32Array;
  private readonly safe: Uint8Array;
  private readonly someInteger: Uint8Array;
  private readonly numbers: (Float64Array | null)[];
  private readonly nulls: (Uint8Array | null)[];
  private readonly offsets: (Uint32Array | null)[];
  private readonly strings: (Uint8Array | null)[];
  private readonly stringViews: (DataView | null)[];
  private readonly view: DataView;
  private readonly stringLength: Int32Array;

  /** Column index of the k-th key of the previous row (keys usually come in the same order). */
  private readonly order: Int32Array;
  private capacity = 0;
  private rows = 0;

  constructor(bytes: Uint8Array, names: readonly string[]) {
    this.b = bytes;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.n = bytes.length;
    this.names = names;
    this.nameBytes = names.map((name) => {
      const encoded = Buffer.from(name, 'utf8');
      if (encoded.toString('utf8') !== name || /["\\\x00-\x1f]/.test(name)) return null;
      return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    });
    // Each name followed by '"' as it appears in the data: its length (0: never matches byte for
    // byte) and its 4-byte words, the last one ending at the quote.
    this.keyLengths = Int32Array.from(this.nameBytes, (name) => (name === null ? 0 : name.length + 1));
    this.keyWords = this.nameBytes.map((name) => {
      if (name === null) return null;
      const key = new Uint8Array(name.length + 1);
      key.set(name);
      key[name.length] = QUOTE;
      if (key.length < 4) return new Int32Array(0);
      const view = new DataView(key.buffer);
      const count = Math.ceil(key.length / 4);
      return Int32Array.from({ length: count }, (_, w) => view.getInt32(w === count - 1 ? key.length - 4 : 4 * w, true));
    });
    const count = names.length;
    this.columnCount = count;
    this.kinds = new Uint8Array(count);
    this.present = new Int32Array(count);
    this.lastRow = new Int32Array(count).fill(-1);
    this.safe = new Uint8Array(count).fill(1);
    this.someInteger = new Uint8Array(count);
    this.numbers = new Array<Float64Array | null>(count).fill(null);
    this.nulls = new Array<Uint8Array | null>(count).fill(null);
    this.offsets = new Array<Uint32Array | null>(count).fill(null);
    this.strings = new Array<Uint8Array | null>(count).fill(null);
    this.stringViews = new Array<DataView | null>(count).fill(null);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.stringLength = new Int32Array(count);
    this.order = new Int32Array(count).fill(-1);
  }

  read(): JsonReadResult {
    // One loop over the bytes with everything in locals: this is the hot path, so keys, strings and
    // short numbers are read inline; rare cases (escapes, exponents, literals, errors) are calls.
    const b = this.b;
    const n = this.n;
    const count = this.columnCount;
    const nameBytes = this.nameBytes;
    const keyLengths = this.keyLengths;
    const keyWords = this.keyWords;
    const kinds = this.kinds;
    const present = this.present;
    const lastRow = this.lastRow;
    const order = this.order;
    const numbers = this.numbers;
    const offsets = this.offsets;
    const strings = this.strings;
    const stringViews = this.stringViews;
    const stringLength = this.stringLength;
    const view = this.view;
    const safe = this.safe;
    const someInteger = this.someInteger;
    let row = 0;
    let i = 0;
    while (i < n) {
      // Start of a line: spaces, then a row, a blank line or the end.
      let c = b[i];
      while (c === 32 || c === 9 || c === 13) c = b[++i];
      if (i >= n) break;
      if (c === NEWLINE) {
        i++;
        continue;
      }
      if (c !== OPEN_BRACE) {
        if (c === COMMA) throw new Unsupported(i, 'a line starting with a comma');
        throw new Malformed(i, `expected '{' to start a row, got ${shown(b, i)}`);
      }
      if (row === this.capacity) this.grow(i);
      c = b[++i];
      while (c === 32 || c === 9 || c === 13) c = b[++i];
      if (c !== CLOSE_BRACE) {
        for (let k = 0; ; k++) {
          // The key: likely the column at the same place in the previous row.
          if (c !== QUOTE) throw this.notKey(i, k);
          const start = i + 1;
          let column = -1;
          if (k < count) {
            const guess = order[k];
            // Compare the key and its closing quote with the name and a quote: a word (4 bytes) at
            // a time, the last word ending at the quote (it may overlap the one before).
            const keyLength = guess >= 0 ? keyLengths[guess] : 0;
            if (keyLength > 0 && start + keyLength <= n) {
              const words = keyWords[guess] as Int32Array;
              const last = words.length - 1;
              if (keyLength >= 4) {
                let w = 0;
                while (w < last && view.getInt32(start + 4 * w, true) === words[w]) w++;
                if (w === last && view.getInt32(start + keyLength - 4, true) === words[last]) {
                  column = guess;
                  i = start + keyLength;
                }
              } else {
                const name = nameBytes[guess] as Uint8Array;
                let j = 0;
                while (j < keyLength - 1 && b[start + j] === name[j]) j++;
                if (j === keyLength - 1 && b[start + j] === QUOTE) {
                  column = guess;
                  i = start + keyLength;
                }
              }
            }
          }
          if (column < 0) {
            column = this.findKey(start);
            i = this.keyEnd;
          }
          if (k < count) order[k] = column;
          if (lastRow[column] === row) throw new Unsupported(i, `key '${this.names[column]}' repeated in a row`);
          lastRow[column] = row;
          present[column]++;
          c = b[i];
          while (c === 32 || c === 9 || c === 13) c = b[++i];
          if (c !== COLON) throw this.notColon(i, column);
          c = b[++i];
          while (c === 32 || c === 9 || c === 13) c = b[++i];
          // The value.
          if (c === QUOTE) {
            if (kinds[column] !== KIND_STRING) this.becomeKind(i, column, KIND_STRING);
            // Copy four bytes at a time while none is '"', '\' or a control character (SWAR: a
            // byte of w equals x when (w ^ x) has a zero byte; v has a zero byte when
            // (v - 0x01010101) & ~v & 0x80808080 is not 0; a byte is below 0x20 likewise), then
            // byte by byte to the closing quote, as long as the column's buffer has room.
            let j = i + 1;
            const out = strings[column] as Uint8Array;
            let o = stringLength[column];
            const room = Math.min(n, j + (out.length - o));
            if (j + 4 <= room) {
              const outView = stringViews[column] as DataView;
              do {
                const w = view.getUint32(j, true);
                const q = w ^ 0x22222222;
                const e = w ^ 0x5c5c5c5c;
                if ((((q - 0x01010101) & ~q) | ((e - 0x01010101) & ~e) | ((w - 0x20202020) & ~w)) & 0x80808080) break;
                outView.setUint32(o, w, true);
                o += 4;
                j += 4;
              } while (j + 4 <= room);
            }
            let d = 0;
            while (j < room) {
              d = b[j];
              if (d === QUOTE || d === BACKSLASH || d < 0x20) break;
              out[o++] = d;
              j++;
            }
            // The closing quote, else escapes, control characters or no room: the careful way.
            if (j < room && d === QUOTE) i = j + 1;
            else {
              o = this.stringRest(i + 1, j, o, column);
              i = this.stringEnd + 1;
            }
            stringLength[column] = o;
            (offsets[column] as Uint32Array)[row + 1] = o;
          } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
            if (kinds[column] !== KIND_NUMBER) this.becomeKind(i, column, KIND_NUMBER);
            const from = i;
            const negative = c === MINUS;
            if (negative) c = b[++i];
            let mantissa = 0;
            let digits = 0;
            if (c >= ZERO + 1 && c <= NINE) {
              do {
                mantissa = mantissa * 10 + (c - ZERO);
                digits++;
                c = b[++i];
              } while (c >= ZERO && c <= NINE);
            } else if (c === ZERO) {
              c = b[++i];
              digits = 1;
              if (c >= ZERO && c <= NINE) throw new Malformed(i - 1, `a number for '${this.names[column]}' with a leading zero`);
            } else throw new Malformed(i, `expected a digit in the number for '${this.names[column]}', got ${shown(b, i)}`);
            let fraction = 0;
            if (c === DOT) {
              c = b[++i];
              if (!(c >= ZERO && c <= NINE)) throw new Malformed(i, `expected a digit after '.' in the number for '${this.names[column]}', got ${shown(b, i)}`);
              do {
                mantissa = mantissa * 10 + (c - ZERO);
                fraction++;
                c = b[++i];
              } while (c >= ZERO && c <= NINE);
            }
            let value: number;
            if (c === 101 /* e */ || c === 69 /* E */ || digits + fraction > FAST_DIGITS_MAX) {
              i = this.longNumber(from, i, column);
              value = this.longValue;
            } else {
              value = fraction === 0 ? mantissa : mantissa / POW10[fraction];
              if (negative) value = -value;
              c = b[i];
              if (c === DOT || (c !== undefined && isWordByte(c))) throw new Malformed(i, `unexpected ${shown(b, i)} in the number for '${this.names[column]}'`);
            }
            (numbers[column] as Float64Array)[row] = value;
            if (safe[column] === 1 && !Number.isSafeInteger(value)) safe[column] = 0;
            if (someInteger[column] === 0 && Number.isInteger(value)) someInteger[column] = 1;
          } else i = this.readOther(i, column, row);
          c = b[i];
          while (c === 32 || c === 9 || c === 13) c = b[++i];
          if (c === COMMA) {
            c = b[++i];
            while (c === 32 || c === 9 || c === 13) c = b[++i];
            continue;
          }
          if (c === CLOSE_BRACE) break;
          throw lineBreakOr(c, i, `expected ',' or '}' after the value of '${this.names[column]}', got ${shown(b, i)}`);
        }
      }
      row++;
      this.rows = row;
      // After the row: spaces, at most one comma, spaces, then the end of the line.
      c = b[++i];
      while (c === 32 || c === 9 || c === 13) c = b[++i];
      if (c === COMMA) {
        c = b[++i];
        while (c === 32 || c === 9 || c === 13) c = b[++i];
      }
      if (i < n) {
        if (c !== NEWLINE) {
          if (c === OPEN_BRACE || c === COMMA) throw new Unsupported(i, 'several rows on one line');
          throw new Malformed(i, `expected the end of the line after a row, got ${shown(b, i)}`);
        }
        i++;
      }
    }
    return this.finish();
  }

  private notKey(at: number, k: number): Malformed | Unsupported {
    return lineBreakOr(this.b[at], at, k === 0 ? `expected a key in double quotes or '}', got ${shown(this.b, at)}` : `expected a key in double quotes, got ${shown(this.b, at)}`);
  }

  private notColon(at: number, column: number): Malformed | Unsupported {
    return lineBreakOr(this.b[at], at, `expected ':' after the key '${this.names[column]}', got ${shown(this.b, at)}`);
  }

  private badStringByte(at: number, from: number, column: number): Malformed | Unsupported {
    const c = this.b[at];
    if (c === undefined || at >= this.n) return new Malformed(from - 1, `unterminated string for '${this.names[column]}'`);
    if (c === NEWLINE) return new Unsupported(at, 'a line break inside a string', `a line break in the string for '${this.names[column]}'; escape it as \\n`);
    return new Malformed(at, `a control character (byte 0x${c.toString(16).padStart(2, '0')}) in the string for '${this.names[column]}'; escape it`);
  }

  /** Where the last key read ended (after its closing quote). */
  private keyEnd = 0;

  /** The column of the key starting at `start` (after its quote), compared with every name; sets keyEnd. */
  private findKey(start: number): number {
    const b = this.b;
    let end = start;
    for (;;) {
      const c = b[end];
      if (c === QUOTE) break;
      if (c === BACKSLASH) throw new Unsupported(end, 'an escape in a key');
      if (c === undefined) throw new Malformed(end, 'unterminated key');
      if (c < 0x20) throw new Malformed(end, `a control character (byte 0x${c.toString(16).padStart(2, '0')}) in a key`);
      end++;
    }
    this.keyEnd = end + 1;
    search: for (let column = 0; column < this.columnCount; column++) {
      const name = this.nameBytes[column];
      if (name === null || name.length !== end - start) continue;
      for (let j = 0; j < name.length; j++) if (b[start + j] !== name[j]) continue search;
      return column;
    }
    throw new Unsupported(start, `unknown key '${this.buffer.toString('utf8', start, end)}'`);
  }

  /** The value of the last longNumber call. */
  private longValue = 0;

  /**
   * A number with an exponent or more than FAST_DIGITS_MAX digits: its text from `from` (checked up
   * to `at`, where the exponent or the end is) through Number(). Sets longValue; returns its end.
   */
  private longNumber(from: number, at: number, column: number): number {
    const b = this.b;
    let i = at;
    let c = b[i];
    if (c === 101 /* e */ || c === 69 /* E */) {
      c = b[++i];
      if (c === 43 /* + */ || c === MINUS) c = b[++i];
      if (!(c >= ZERO && c <= NINE)) throw new Malformed(i, `expected a digit in the exponent of the number for '${this.names[column]}', got ${shown(b, i)}`);
      do c = b[++i];
      while (c >= ZERO && c <= NINE);
    }
    if (c === DOT || (c !== undefined && isWordByte(c))) throw new Malformed(i, `unexpected ${shown(b, i)} in the number for '${this.names[column]}'`);
    this.longValue = Number(this.buffer.toString('latin1', from, i));
    return i;
  }

  /** null, true, false, or what cannot be read here; returns the position after the value. */
  private readOther(i: number, column: number, row: number): number {
    const b = this.b;
    const c = b[i];
    if (c === 110 /* n */) {
      const end = this.literal(i, 'null', column);
      this.setNull(column, row);
      return end;
    }
    if (c === 116 /* t */ || c === 102 /* f */) {
      const end = this.literal(i, c === 116 ? 'true' : 'false', column);
      if (this.kinds[column] !== KIND_BOOL) this.becomeKind(i, column, KIND_BOOL);
      (this.numbers[column] as Float64Array)[row] = c === 116 ? 1 : 0;
      return end;
    }
    if (c === OPEN_BRACE) throw new Unsupported(i, `an object as the value of '${this.names[column]}'`);
    if (c === 91 /* [ */) throw new Unsupported(i, `an array as the value of '${this.names[column]}'`);
    throw lineBreakOr(c, i, `expected a value for '${this.names[column]}', got ${shown(b, i)}`);
  }

  private literal(i: number, word: string, column: number): number {
    const b = this.b;
    for (let j = 0; j < word.length; j++) {
      if (b[i + j] !== word.charCodeAt(j)) throw new Malformed(i, `expected a value for '${this.names[column]}', got ${shown(b, i)}`);
    }
    const after = b[i + word.length];
    if (after !== undefined && isWordByte(after)) throw new Malformed(i + word.length, `unexpected ${shown(b, i + word.length)} after ${word}`);
    return i + word.length;
  }

  private becomeKind(at: number, column: number, kind: number): void {
    const was = this.kinds[column];
    if (was !== KIND_NONE) throw new Unsupported(at, `column '${this.names[column]}' mixes JSON kinds`);
    this.kinds[column] = kind;
    if (kind === KIND_STRING) {
      this.offsets[column] = new Uint32Array(this.capacity + 1);
      this.strings[column] = NO_BYTES; // sized by the first string (growStrings)
      this.stringViews[column] = new DataView(NO_BYTES.buffer);
    } else {
      this.numbers[column] = new Float64Array(this.capacity);
    }
  }

  private setNull(column: number, row: number): void {
    let nulls = this.nulls[column];
    if (nulls === null) this.nulls[column] = nulls = new Uint8Array(this.capacity);
    nulls[row] = 1;
    // The value under a NULL: zero, or an empty string.
    const offsets = this.offsets[column];
    if (offsets !== null) offsets[row + 1] = this.stringLength[column];
  }

  /** Where the string stringRest read ends (its closing quote). */
  private stringEnd = 0;

  /**
   * The rest of a string from `j` (which `from`, just after its opening quote, begins), its bytes
   * so far in the column's buffer up to `o`: finds the closing quote (escapes only shorten, so the
   * raw length always suffices), makes room, decodes. Returns the new length; sets stringEnd.
   */
  private stringRest(from: number, j: number, o: number, column: number): number {
    const b = this.b;
    let end = j;
    let escaped = false;
    for (;;) {
      const d = b[end];
      if (d === QUOTE) break;
      if (d === BACKSLASH) {
        escaped = true;
        end += 2;
      } else if (d >= 0x20) end++;
      else throw this.badStringByte(end, from, column);
    }
    let out = this.strings[column] as Uint8Array;
    if (o + (end - j) > out.length) out = this.growStrings(column, o + (end - j), o);
    if (escaped) o = this.unescape(j, end, out, o, column);
    else for (let k = j; k < end; k++) out[o++] = b[k];
    this.stringEnd = end;
    return o;
  }

  /** Decodes the escaped string bytes [start, end) into out at o; returns the new length. */
  private unescape(start: number, end: number, out: Uint8Array, o: number, column: number): number {
    const b = this.b;
    let j = start;
    while (j < end) {
      const c = b[j];
      if (c !== BACKSLASH) {
        out[o++] = c;
        j++;
        continue;
      }
      const e = b[j + 1];
      j += 2;
      switch (e) {
        case QUOTE:
        case BACKSLASH:
        case 47 /* / */:
          out[o++] = e;
          break;
        case 98 /* b */:
          out[o++] = 8;
          break;
        case 102 /* f */:
          out[o++] = 12;
          break;
        case 110 /* n */:
          out[o++] = 10;
          break;
        case 114 /* r */:
          out[o++] = 13;
          break;
        case 116 /* t */:
          out[o++] = 9;
          break;
        case 117 /* u */: {
          let code = this.hex4(j, column);
          j += 4;
          if (code >= 0xd800 && code <= 0xdfff) {
            // A surrogate pair makes one character; a lone surrogate has no UTF-8 form.
            if (code >= 0xdc00 || b[j] !== BACKSLASH || b[j + 1] !== 117) throw new Unsupported(j, `a lone surrogate in the string for '${this.names[column]}'`);
            const low = this.hex4(j + 2, column);
            if (low < 0xdc00 || low > 0xdfff) throw new Unsupported(j, `a lone surrogate in the string for '${this.names[column]}'`);
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            j += 6;
          }
          if (code < 0x80) out[o++] = code;
          else if (code < 0x800) {
            out[o++] = 0xc0 | (code >> 6);
            out[o++] = 0x80 | (code & 0x3f);
          } else if (code < 0x10000) {
            out[o++] = 0xe0 | (code >> 12);
            out[o++] = 0x80 | ((code >> 6) & 0x3f);
            out[o++] = 0x80 | (code & 0x3f);
          } else {
            out[o++] = 0xf0 | (code >> 18);
            out[o++] = 0x80 | ((code >> 12) & 0x3f);
            out[o++] = 0x80 | ((code >> 6) & 0x3f);
            out[o++] = 0x80 | (code & 0x3f);
          }
          break;
        }
        default:
          throw new Malformed(j - 2, `invalid escape ${shown(b, j - 2).slice(0, -1)}${e === undefined ? '' : String.fromCharCode(e)}' in the string for '${this.names[column]}'`);
      }
    }
    return o;
  }

  private hex4(at: number, column: number): number {
    let code = 0;
    for (let j = at; j < at + 4; j++) {
      const h = this.b[j];
      const digit = h >= ZERO && h <= NINE ? h - ZERO : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
      if (digit < 0) throw new Malformed(at - 2, `invalid \\u escape in the string for '${this.names[column]}' (expected 4 hex digits)`);
      code = code * 16 + digit;
    }
    return code;
  }

  /** Room for `needed` bytes: at first, the first string's length (plus a quarter) for every row; then doubling. */
  private growStrings(column: number, needed: number, used: number): Uint8Array {
    const old = this.strings[column] as Uint8Array;
    const size = old.length === 0 ? Math.min(this.n, Math.ceil(this.capacity * (needed * 1.25 + 4))) : old.length * 2;
    const grown = new Uint8Array(Math.max(needed, size));
    grown.set(old.subarray(0, used));
    this.strings[column] = grown;
    this.stringViews[column] = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    return grown;
  }

  /** Makes room for more rows: the first time from the first row's width, then by doubling. */
  private grow(at: number): void {
    // A batch holds at most BATCH_ROWS_MAX rows: more is the generic path's error to report.
    if (this.capacity >= BATCH_ROWS_MAX) throw new Unsupported(at, `more than BATCH_ROWS_MAX (${BATCH_ROWS_MAX}) rows`);
    let capacity: number;
    if (this.capacity === 0) {
      const lineEnd = this.b.indexOf(NEWLINE, at);
      const width = (lineEnd < 0 ? this.n : lineEnd + 1) - at;
      capacity = Math.ceil((this.n - at) / Math.max(width, 1) * 1.1) + 16;
    } else capacity = this.capacity * 2;
    capacity = Math.min(capacity, BATCH_ROWS_MAX);
    for (let c = 0; c < this.columnCount; c++) {
      const numbers = this.numbers[c];
      if (numbers !== null) this.numbers[c] = copyInto(new Float64Array(capacity), numbers);
      const nulls = this.nulls[c];
      if (nulls !== null) this.nulls[c] = copyInto(new Uint8Array(capacity), nulls);
      const offsets = this.offsets[c];
      if (offsets !== null) this.offsets[c] = copyInto(new Uint32Array(capacity + 1), offsets);
    }
    this.capacity = capacity;
  }

  private finish(): JsonReadResult {
    const rows = this.rows;
    const columns: JsonColumn[] = [];
    for (let c = 0; c < this.columnCount; c++) {
      const present = this.present[c];
      if (present === 0) {
        columns.push({ kind: 'absent' });
        continue;
      }
      if (present !== rows) return { kind: 'unsupported', reason: `key '${this.names[c]}' is in some rows only`, line: 0 };
      const nulls = exact(this.nulls[c], rows);
      switch (this.kinds[c]) {
        case KIND_NONE:
          columns.push({ kind: 'nulls', nulls: nulls as Uint8Array });
          break;
        case KIND_NUMBER:
          columns.push({ kind: 'numbers', values: exact(this.numbers[c], rows) as Float64Array, nulls, safeIntegers: this.safe[c] === 1, someInteger: this.someInteger[c] === 1 });
          break;
        case KIND_BOOL:
          columns.push({ kind: 'bools', values: exact(this.numbers[c], rows) as Float64Array, nulls });
          break;
        default: {
          const offsets = exact(this.offsets[c], rows + 1) as Uint32Array;
          const length = this.stringLength[c];
          const strings = this.strings[c] as Uint8Array;
          const bytes = strings.subarray(0, length);
          columns.push({ kind: 'strings', offsets, bytes, nulls });
        }
      }
    }
    return { kind: 'columns', rowCount: rows, columns };
  }
}

function isWordByte(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 43 || c === MINUS || c >= 0x80;
}

function copyInto<A extends Float64Array | Uint8Array | Uint32Array>(target: A, source: A): A {
  target.set(source as never);
  return target;
}

/**
 * The first `length` elements, as an array of exactly that length: a view, not a copy (the arrays
 * are sized from the first row, so the rest of the buffer is small, and copying showed in profiles).
 */
function exact<A extends Float64Array | Uint8Array | Uint32Array>(array: A | null, length: number): A | null {
  if (array === null || array.length === length) return array;
  return array.subarray(0, length) as A;
}

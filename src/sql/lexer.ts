// The SQL lexer: turns text into tokens one at a time, on demand. Lexing is lazy so that
// `INSERT … FORMAT CSV <data>` can hand the raw data to the parser without ever tokenizing it
// (CSV like `O'Brien` would otherwise be an unterminated string).
//
// Rules (ClickHouse flavoured):
// - Whitespace and comments (`-- …` to end of line, `/* … */` not nested) separate tokens.
// - Words: [A-Za-z_ or any non-ASCII][A-Za-z0-9_$ or non-ASCII]*; keywords are words.
// - Quoted identifiers: `…` or "…"; a doubled quote or a backslash escape stands for itself.
// - Strings: '…' with '' and backslash escapes (\n \t \r \0 \b \f \\ \' \xHH; any other
//   escaped character stands for itself).
// - Numbers: 123, 0x1F, 1.5, .5, 1e-3, 1.; digits followed by a duration unit (5s, 100ms,
//   2d, 1M) are a Duration; digits followed by other letters (1TS) are a DigitWord.
//   `.5` is a number only where a value may start: after a name, `)` or `]` it is a dot and
//   digits (`root.sg.1`), so IoTDB paths with numeric nodes lex as paths.
// - Operators: ( ) [ ] { } , ; . : :: + - * / % = == != <> < <= > >= || ?
import { DURATION_UNITS } from './ast.ts';
import { syntaxError, quoteSnippet } from './sql-errors.ts';
import { TokenKind, type Token } from './tokens.ts';

const CHAR_IDENT_START = 1;
const CHAR_IDENT_PART = 2;
const CHAR_DIGIT = 4;
const CHAR_SPACE = 8;

const charClass = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const c = String.fromCharCode(code);
  let flags = 0;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_') flags |= CHAR_IDENT_START | CHAR_IDENT_PART;
  if (c >= '0' && c <= '9') flags |= CHAR_DIGIT | CHAR_IDENT_PART;
  if (c === '$') flags |= CHAR_IDENT_PART;
  if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') flags |= CHAR_SPACE;
  charClass[code] = flags;
}

function isIdentStart(code: number): boolean {
  return code >= 128 ? !isUnicodeSpace(code) : (charClass[code]! & CHAR_IDENT_START) !== 0;
}

function isIdentPart(code: number): boolean {
  return code >= 128 ? !isUnicodeSpace(code) : (charClass[code]! & CHAR_IDENT_PART) !== 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isUnicodeSpace(code: number): boolean {
  return code === 0xa0 || code === 0xfeff || (code >= 0x2000 && code <= 0x200b) || code === 0x3000;
}

const durationUnits: ReadonlySet<string> = new Set(DURATION_UNITS);

/** Longest operators first within each leading character. */
const TWO_CHAR_OPS: ReadonlySet<string> = new Set(['::', '==', '!=', '<>', '<=', '>=', '||']);
const ONE_CHAR_OPS = '()[]{},;.:+-*/%=<>?';

export class Lexer {
  readonly source: string;
  private offset = 0;
  /** Whether the previous token can end a value (name, number, `)`, `]`): decides what `.5` is. */
  private afterValue = false;

  constructor(source: string) {
    this.source = source;
  }

  /** Offset just past the last token returned. */
  get position(): number {
    return this.offset;
  }

  next(): Token {
    this.skipSpaceAndComments();
    const source = this.source;
    const start = this.offset;
    if (start >= source.length) return this.token(TokenKind.End, '', '', start, start);
    const code = source.charCodeAt(start);

    if (isIdentStart(code)) {
      let end = start + 1;
      while (end < source.length && isIdentPart(source.charCodeAt(end))) end++;
      const text = source.slice(start, end);
      return this.token(TokenKind.Word, text, text.toUpperCase(), start, end);
    }
    if (isDigit(code)) return this.number(start);
    if (code === 46 /* . */ && !this.afterValue && isDigit(source.charCodeAt(start + 1))) return this.number(start);
    if (code === 39 /* ' */) return this.quoted(start, 39, TokenKind.String);
    if (code === 96 /* ` */ || code === 34 /* " */) return this.quoted(start, code, TokenKind.QuotedIdent);

    const two = source.slice(start, start + 2);
    if (TWO_CHAR_OPS.has(two)) return this.token(TokenKind.Op, two, '', start, start + 2);
    const one = source[start]!;
    if (ONE_CHAR_OPS.includes(one)) return this.token(TokenKind.Op, one, '', start, start + 1);
    throw syntaxError(source, start, ['a token'], `unexpected character ${quoteSnippet(one)}`);
  }

  private token(kind: TokenKind, text: string, upper: string, start: number, end: number): Token {
    this.offset = end;
    this.afterValue =
      kind === TokenKind.Word ||
      kind === TokenKind.QuotedIdent ||
      kind === TokenKind.Integer ||
      kind === TokenKind.Float ||
      kind === TokenKind.Duration ||
      kind === TokenKind.DigitWord ||
      text === ')' ||
      text === ']';
    return { kind, text, upper, start, end };
  }

  private skipSpaceAndComments(): void {
    const source = this.source;
    let offset = this.offset;
    while (offset < source.length) {
      const code = source.charCodeAt(offset);
      if (code < 128 ? (charClass[code]! & CHAR_SPACE) !== 0 : isUnicodeSpace(code)) {
        offset++;
      } else if (code === 45 /* - */ && source.charCodeAt(offset + 1) === 45) {
        offset += 2;
        while (offset < source.length && source.charCodeAt(offset) !== 10 && source.charCodeAt(offset) !== 13) offset++;
      } else if (code === 47 /* / */ && source.charCodeAt(offset + 1) === 42 /* * */) {
        const close = source.indexOf('*/', offset + 2);
        if (close < 0) throw syntaxError(source, offset, ["'*/' closing the comment"], 'end of input');
        offset = close + 2;
      } else {
        break;
      }
    }
    this.offset = offset;
  }

  private number(start: number): Token {
    const source = this.source;
    let end = start;
    if (source.charCodeAt(start) === 48 && (source[start + 1] === 'x' || source[start + 1] === 'X')) {
      end = start + 2;
      while (end < source.length && /[0-9a-fA-F]/.test(source[end]!)) end++;
      if (end === start + 2 || (end < source.length && isIdentPart(source.charCodeAt(end)))) {
        return this.digitWord(start, end);
      }
      return this.token(TokenKind.Integer, source.slice(start, end), '', start, end);
    }
    while (end < source.length && isDigit(source.charCodeAt(end))) end++;
    let isFloat = false;
    if (source.charCodeAt(end) === 46 /* . */ && (end === start || !this.isPathDot(end))) {
      isFloat = true;
      end++;
      while (end < source.length && isDigit(source.charCodeAt(end))) end++;
    }
    const exponent = source[end];
    if ((exponent === 'e' || exponent === 'E') && end > start) {
      let after = end + 1;
      if (source[after] === '+' || source[after] === '-') after++;
      if (isDigit(source.charCodeAt(after))) {
        while (after < source.length && isDigit(source.charCodeAt(after))) after++;
        isFloat = true;
        end = after;
      }
    }
    if (end < source.length && isIdentPart(source.charCodeAt(end))) {
      if (!isFloat) {
        let suffixEnd = end;
        while (suffixEnd < source.length && isIdentPart(source.charCodeAt(suffixEnd))) suffixEnd++;
        if (durationUnits.has(source.slice(end, suffixEnd))) {
          return this.token(TokenKind.Duration, source.slice(start, suffixEnd), '', start, suffixEnd);
        }
      }
      return this.digitWord(start, end);
    }
    const text = source.slice(start, end);
    return this.token(isFloat ? TokenKind.Float : TokenKind.Integer, text, '', start, end);
  }

  /** `1.x` or `1.` followed by a letter: the dot separates IoTDB path nodes (`root.1.a`). */
  private isPathDot(dot: number): boolean {
    const next = this.source.charCodeAt(dot + 1);
    return isIdentStart(next) || next === 96 /* ` */ || next === 42 /* * */;
  }

  private digitWord(start: number, from: number): Token {
    const source = this.source;
    let end = from;
    while (end < source.length && isIdentPart(source.charCodeAt(end))) end++;
    const text = source.slice(start, end);
    return this.token(TokenKind.DigitWord, text, '', start, end);
  }

  /** A quoted string or identifier starting at `start` with quote character `quote`. */
  private quoted(start: number, quote: number, kind: TokenKind): Token {
    const source = this.source;
    let offset = start + 1;
    let value = '';
    let chunkStart = offset;
    while (true) {
      if (offset >= source.length) {
        throw syntaxError(source, start, [`closing ${String.fromCharCode(quote)}`], 'end of input');
      }
      const code = source.charCodeAt(offset);
      if (code === quote) {
        if (source.charCodeAt(offset + 1) === quote) {
          value += source.slice(chunkStart, offset + 1);
          offset += 2;
          chunkStart = offset;
          continue;
        }
        value += source.slice(chunkStart, offset);
        offset++;
        break;
      }
      if (code === 92 /* \ */) {
        value += source.slice(chunkStart, offset);
        if (offset + 1 >= source.length) {
          throw syntaxError(source, start, [`closing ${String.fromCharCode(quote)}`], 'end of input');
        }
        const escaped = this.escape(offset);
        value += escaped.text;
        offset = escaped.end;
        chunkStart = offset;
        continue;
      }
      offset++;
    }
    return this.token(kind, value, '', start, offset);
  }

  private escape(backslash: number): { text: string; end: number } {
    const source = this.source;
    const c = source[backslash + 1]!;
    switch (c) {
      case 'n':
        return { text: '\n', end: backslash + 2 };
      case 't':
        return { text: '\t', end: backslash + 2 };
      case 'r':
        return { text: '\r', end: backslash + 2 };
      case '0':
        return { text: '\0', end: backslash + 2 };
      case 'b':
        return { text: '\b', end: backslash + 2 };
      case 'f':
        return { text: '\f', end: backslash + 2 };
      case 'x': {
        const hex = source.slice(backslash + 2, backslash + 4);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) return { text: String.fromCharCode(parseInt(hex, 16)), end: backslash + 4 };
        return { text: 'x', end: backslash + 2 };
      }
      default:
        return { text: c, end: backslash + 2 };
    }
  }
}

// The parser's view of the token stream: lookahead, keyword tests, positioned errors and the
// nesting-depth guard. Every parse function in parser-*.ts takes a Cursor.
//
// Invariants:
// - Tokens are lexed only when looked at (peek), so `FORMAT name <raw data>` never lexes the data.
// - Error messages list what was expected at the failing token: the alternatives recorded there
//   with `note()` plus what the failing expect*/fail call wanted. Optional syntax (accept*)
//   records nothing by itself, so messages name the likely alternatives, not every optional
//   keyword; the list belongs to one token and is dropped when the parser moves past it.
// - `enter()`/`leave()` bracket every recursive descent; depth never exceeds SQL_EXPR_DEPTH_MAX.
import { Lexer } from './lexer.ts';
import { limitError, quoteSnippet, syntaxError } from './sql-errors.ts';
import { SQL_EXPR_DEPTH_MAX } from './sql-limits.ts';
import { TokenKind, type Token } from './tokens.ts';
import type { DbError } from '../core/errors.ts';

export class Cursor {
  readonly source: string;
  private readonly lexer: Lexer;
  private readonly tokens: Token[] = [];
  private index = 0;
  private depth = 0;
  private expectedIndex = -1;
  private expected: string[] = [];

  constructor(source: string) {
    this.source = source;
    this.lexer = new Lexer(source);
  }

  /** The token `ahead` places after the current one (0 = current). */
  peek(ahead = 0): Token {
    const want = this.index + ahead;
    while (this.tokens.length <= want) {
      const last = this.tokens[this.tokens.length - 1];
      if (last !== undefined && last.kind === TokenKind.End) return last;
      this.tokens.push(this.lexer.next());
    }
    return this.tokens[want]!;
  }

  advance(): Token {
    const token = this.peek();
    if (token.kind !== TokenKind.End) this.index++;
    return token;
  }

  atEnd(): boolean {
    return this.peek().kind === TokenKind.End;
  }

  // --- Keywords. `is*` only look; `accept*` consume on a match; `expect*` fail otherwise.

  isWord(upper: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === TokenKind.Word && token.upper === upper;
  }

  /** Consumes the keyword if it is next. Optional syntax: records nothing on a mismatch. */
  acceptWord(upper: string): boolean {
    if (this.isWord(upper)) {
      this.index++;
      return true;
    }
    return false;
  }

  /** Consumes a keyword sequence (`GROUP BY`) if its first word is next; the rest is then required. */
  acceptWords(...uppers: string[]): boolean {
    if (!this.isWord(uppers[0]!)) return false;
    this.index++;
    for (let i = 1; i < uppers.length; i++) this.expectWord(uppers[i]!);
    return true;
  }

  expectWord(upper: string): void {
    if (!this.acceptWord(upper)) this.fail(upper);
  }

  isOp(op: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === TokenKind.Op && token.text === op;
  }

  acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.index++;
      return true;
    }
    return false;
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`'${op}'`);
  }

  // --- Errors.

  /** Records an alternative the parser would have accepted at the current token. */
  note(alternative: string): void {
    if (this.expectedIndex !== this.index) {
      this.expectedIndex = this.index;
      this.expected = [];
    }
    this.expected.push(alternative);
  }

  /** A syntax error at the current token, listing the recorded alternatives plus `also`. */
  fail(...also: string[]): never {
    const token = this.peek();
    const expected = this.expectedIndex === this.index ? [...this.expected, ...also] : also;
    throw this.errorAt(token, expected);
  }

  failAt(token: Token, expected: readonly string[]): never {
    throw this.errorAt(token, expected);
  }

  errorAt(token: Token, expected: readonly string[]): DbError {
    return syntaxError(this.source, token.start, expected, describeToken(token));
  }

  // --- Depth.

  enter(): void {
    this.depth++;
    if (this.depth > SQL_EXPR_DEPTH_MAX) {
      throw limitError(this.source, this.peek().start, 'SQL_EXPR_DEPTH_MAX', SQL_EXPR_DEPTH_MAX, 'nesting depth');
    }
  }

  leave(): void {
    this.depth--;
  }

  /** Drops every token after the current one, unlexed: FORMAT data runs to the end of input. */
  skipToEnd(): void {
    this.tokens.length = this.index;
    this.tokens.push({ kind: TokenKind.End, text: '', upper: '', start: this.source.length, end: this.source.length });
  }
}

export function describeToken(token: Token): string {
  switch (token.kind) {
    case TokenKind.End:
      return 'end of input';
    case TokenKind.String:
      return `string ${quoteSnippet(token.text)}`;
    case TokenKind.QuotedIdent:
      return `quoted identifier ${quoteSnippet(token.text)}`;
    default:
      return quoteSnippet(token.text);
  }
}

// Splits the raw text a user typed or piped into statements, for `tributary client`. The shell
// cannot use the SQL parser for this: it must split text that does not parse yet (a half-typed
// statement, an unterminated string on the first line of three) and must never look inside the
// data of `INSERT … FORMAT`.
//
// Rules (the lexer's, src/sql/lexer.ts, reduced to what decides where a statement ends):
// - `;` ends a statement, except inside '…', "…", `…` (doubled quotes and backslash escapes
//   stand for themselves) and comments (`-- …` to end of line, `/* … */` not nested).
// - A statement whose first word is INSERT and that has the word FORMAT outside parentheses
//   (before any VALUES, SELECT or WITH) carries data after the format name: the data, and so the statement, runs to the end of the
//   input (as in the server's parser), `;` included.
// - Empty statements (`;;`, only comments) are dropped. Statement text is kept as typed, trimmed.
//
// The result separates the statements ended by `;` from the tail after the last one, so the
// interactive shell can tell a finished buffer from one that needs another line.

export interface SplitResult {
  /** Statements ended by `;`, trimmed, without the `;`. */
  readonly complete: readonly string[];
  /** The text after the last `;`, trimmed; '' when it holds only whitespace and comments. */
  readonly tail: string;
  /** The tail is open: inside a string, quoted name or block comment. */
  readonly tailOpen: boolean;
  /** The tail is an `INSERT … FORMAT name` whose data runs to the end of the input. */
  readonly tailIsInsertData: boolean;
}

/** Statements of a script: the complete ones and a non-empty tail (the last `;` is optional). */
export function scriptStatements(text: string): string[] {
  const split = splitStatements(text);
  return split.tail === '' ? [...split.complete] : [...split.complete, split.tail];
}

export function splitStatements(text: string): SplitResult {
  const complete: string[] = [];
  let start = 0;
  let i = 0;
  // Per statement: whether anything but space and comments was seen, its first word, paren depth.
  let meaningful = false;
  let firstWord: string | null = null;
  let depth = 0;
  let formatSeen = false;
  let bodySeen = false; // VALUES or SELECT after INSERT: a later FORMAT is a name, not the data marker
  const n = text.length;

  const endStatement = (end: number) => {
    if (meaningful) complete.push(text.slice(start, end).trim());
    start = end + 1;
    meaningful = false;
    firstWord = null;
    depth = 0;
    formatSeen = false;
    bodySeen = false;
  };

  while (i < n) {
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i + 2);
      i = eol === -1 ? n : eol + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) return { complete, tail: text.slice(start).trim(), tailOpen: true, tailIsInsertData: false };
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      meaningful = true;
      const close = closingQuote(text, i);
      if (close === -1) return { complete, tail: text.slice(start).trim(), tailOpen: true, tailIsInsertData: false };
      i = close + 1;
      continue;
    }
    if (c === ';') {
      endStatement(i);
      i++;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text[j])) j++;
      const word = text.slice(i, j).toUpperCase();
      meaningful = true;
      firstWord ??= word;
      if (formatSeen) {
        // The format's name: the data starts after it and runs to the end of the input.
        return { complete, tail: text.slice(start).trim(), tailOpen: false, tailIsInsertData: true };
      }
      if (firstWord === 'INSERT' && depth === 0 && !bodySeen) {
        if (word === 'FORMAT') formatSeen = true;
        else if (word === 'VALUES' || word === 'SELECT' || word === 'WITH') bodySeen = true;
      }
      i = j;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (!isSpace(c)) meaningful = true;
    i++;
  }
  return { complete, tail: meaningful ? text.slice(start).trim() : '', tailOpen: false, tailIsInsertData: false };
}

/** The index of the quote closing the one at `open`, or -1 when the text ends first. */
function closingQuote(text: string, open: number): number {
  const quote = text[open];
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i++;
  }
  return -1;
}

function isWordStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 128;
}

function isWordPart(c: string): boolean {
  return isWordStart(c) || (c >= '0' && c <= '9') || c === '$';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** The first word of a statement (after comments), upper-cased, or ''. */
export function firstWordOf(statement: string): string {
  const match = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*([A-Za-z_]+)/.exec(statement);
  return match === null ? '' : match[1].toUpperCase();
}

/**
 * The output format a query names at its end (`SELECT … FORMAT JSONEachRow`), or null. The
 * server ignores FORMAT on the native protocol; the shell prints in the named format instead.
 * An INSERT's FORMAT names its input, not its output.
 */
export function trailingFormatOf(statement: string): string | null {
  if (firstWordOf(statement) === 'INSERT') return null;
  const match = /\bFORMAT\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/i.exec(stripTrailingComments(statement));
  return match === null ? null : match[1];
}

function stripTrailingComments(statement: string): string {
  let text = statement.trimEnd();
  for (;;) {
    const line = /--[^\n'"`]*$/.exec(text);
    const block = /\/\*[^]*?\*\/$/.exec(text);
    if (line !== null) text = text.slice(0, line.index).trimEnd();
    else if (block !== null) text = text.slice(0, block.index).trimEnd();
    else return text;
  }
}

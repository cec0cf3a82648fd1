// Pattern matchers compiled once per call site: SQL LIKE patterns and regular expressions.
//
// LIKE: `%` matches any run of characters (including none), `_` exactly one character (a code
// point), a backslash makes the next character literal (`\%`, `\_`, `\\`); a trailing lone
// backslash is a literal backslash. The whole string must match. ILIKE folds case with Unicode
// rules (the RegExp `i` flag). Patterns without `_` compile to startsWith/endsWith/includes/===.
//
// Regular expressions: ClickHouse uses RE2; we use JavaScript RegExp, which accepts RE2's common
// syntax. A leading `(?i)`, `(?s)`, `(?m)` (or a combination, `(?is)`) becomes the matching flag,
// as RE2 writes it. Patterns compile with the `u` flag when valid under it, else without. Invalid
// patterns are INVALID_ARGUMENT naming the function and the pattern.
import { DbError } from '../../core/errors.ts';

export type StringPredicate = (s: string) => boolean;

/** Compiles a LIKE pattern into a predicate (see the header for the syntax). */
export function like(pattern: string, caseInsensitive: boolean): StringPredicate {
  let regex = '';
  let literal = '';
  let hasOne = false;
  const parts: string[] = []; // literal runs separated by %
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      i++;
      literal += pattern[i];
      regex += escapeRegExp(pattern[i]);
    } else if (c === '%') {
      parts.push(literal);
      literal = '';
      regex += '[\\s\\S]*';
    } else if (c === '_') {
      hasOne = true;
      regex += '.';
    } else {
      literal += c;
      regex += escapeRegExp(c);
    }
  }
  parts.push(literal);
  if (!hasOne && !caseInsensitive) {
    const fast = fastLike(parts);
    if (fast !== null) return fast;
  }
  const compiled = new RegExp(`^${regex}$`, caseInsensitive ? 'isu' : 'su');
  return (s) => compiled.test(s);
}

/** Patterns of shape a, a%, %a, %a%: one string test instead of a regular expression. */
function fastLike(parts: readonly string[]): StringPredicate | null {
  if (parts.length === 1) {
    const whole = parts[0];
    return (s) => s === whole;
  }
  if (parts.length === 2 && parts[1] === '') {
    const prefix = parts[0];
    return (s) => s.startsWith(prefix);
  }
  if (parts.length === 2 && parts[0] === '') {
    const suffix = parts[1];
    return (s) => s.endsWith(suffix);
  }
  if (parts.length === 3 && parts[0] === '' && parts[2] === '') {
    const inner = parts[1];
    return (s) => s.includes(inner);
  }
  return null;
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

const INLINE_FLAGS = /^\(\?([ims]+)\)/;

/** Compiles a regular expression the way match/extract/replace_regex use it; `extraFlags` such as 'g'. */
export function compileRegex(name: string, pattern: string, extraFlags = ''): RegExp {
  let source = pattern;
  let flags = extraFlags;
  const inline = INLINE_FLAGS.exec(source);
  if (inline !== null) {
    source = source.slice(inline[0].length);
    for (const f of new Set(inline[1])) if (!flags.includes(f)) flags += f;
  }
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (error) {
      throw new DbError('INVALID_ARGUMENT', `function ${name}: invalid regular expression '${pattern}': ${(error as Error).message}`);
    }
  }
}

/**
 * Caches the last compiled pattern for per-row patterns (a column of patterns usually repeats).
 * Created once per batch, never per row.
 */
export class PatternCache<P> {
  private lastPattern: string | null = null;
  private lastCompiled: P | null = null;
  private readonly compile: (pattern: string) => P;

  constructor(compile: (pattern: string) => P) {
    this.compile = compile;
  }

  get(pattern: string): P {
    if (pattern !== this.lastPattern || this.lastCompiled === null) {
      this.lastCompiled = this.compile(pattern);
      this.lastPattern = pattern;
    }
    return this.lastCompiled;
  }
}

/** ClickHouse replacement text (\0 whole match, \1…\9 groups, \\ a backslash) as JavaScript's ($&, $1, \). */
export function replacementOf(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '$') out += '$$';
    else if (c === '\\' && i + 1 < text.length) {
      const next = text[++i];
      if (next === '0') out += '$&';
      else if (next >= '1' && next <= '9') out += `$${next}`;
      else out += next === '$' ? '$$' : next;
    } else out += c;
  }
  return out;
}

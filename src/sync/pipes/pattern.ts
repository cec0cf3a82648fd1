// A pipe's `source.pattern`: which series of the local IoTDB databases a pipe reads.
//
// Semantics (IoTDB's prefix pattern, DESIGN.md "Data model"): the pattern is a plain string prefix
// over the full series path as IoTDB prints it (paths.ts formatPath: plain nodes as they are, other
// nodes in backquotes), not a node-by-node prefix. So with 'root.aligned.1':
//   root.aligned.1TS, root.aligned.1TS.`1`, root.aligned.100TS        match,
//   root.aligned.`1`, root.aligned.`123`                                do not (the backquote is a character),
// and 'root.db' also matches every series of a database 'root.db2'. The pattern is compared as
// written, except that its leading `root` is matched case-insensitively and written `root` (as paths
// are); a node backquoted without need (`root.\`ab\``) never matches the plainly printed `root.ab`.
//
// Invariants: a pattern is `root` or starts with `root.` (checked here: INVALID_SETTING otherwise);
// only series of IoTDB databases (`root.…`) can match.
import { DbError } from '../../core/errors.ts';
import { IOTDB_ROOT, formatPath, isIotdbDatabaseName, normalizeDatabaseName, seriesNodes } from '../../engine/iotdb/paths.ts';

export const PATTERN_DEFAULT = IOTDB_ROOT;

export interface SeriesPattern {
  /** The pattern with its leading `root` normalized. */
  readonly text: string;
  /** True when the series `column` of stream `stream` in database `database` is read. */
  matchesSeries(database: string, stream: string, column: string): boolean;
  /** True when some column of the stream could match (its path prefix and the pattern overlap). */
  mayMatchStream(database: string, stream: string): boolean;
  /** True when every column of the stream matches, whatever its name (the pattern ends at or above it). */
  coversStream(database: string, stream: string): boolean;
  /** The columns of `columns` that match, in their order. */
  matchingColumns(database: string, stream: string, columns: readonly string[]): string[];
  /** True when the pattern is `root` or names an existing database exactly (IoTDB's fast path). */
  isDatabaseOrRoot(databases: Iterable<string>): boolean;
}

/** Validates and compiles a pattern; throws INVALID_SETTING when it does not start with root. */
export function compilePattern(pattern: string): SeriesPattern {
  const text = normalizePattern(pattern);
  return {
    text,
    matchesSeries(database, stream, column) {
      if (!isIotdbDatabaseName(database)) return false;
      return formatPath(seriesNodes(database, stream, column)).startsWith(text);
    },
    mayMatchStream(database, stream) {
      if (!isIotdbDatabaseName(database)) return false;
      const prefix = streamPrefix(database, stream);
      return prefix.startsWith(text) || text.startsWith(prefix);
    },
    coversStream(database, stream) {
      return isIotdbDatabaseName(database) && streamPrefix(database, stream).startsWith(text);
    },
    matchingColumns(database, stream, columns) {
      if (!isIotdbDatabaseName(database)) return [];
      const prefix = streamPrefix(database, stream);
      if (prefix.startsWith(text)) return [...columns];
      if (!text.startsWith(prefix)) return [];
      return columns.filter((column) => formatPath(seriesNodes(database, stream, column)).startsWith(text));
    },
    isDatabaseOrRoot(databases) {
      if (text === IOTDB_ROOT) return true;
      for (const name of databases) {
        if (isIotdbDatabaseName(name) && formatPath(normalizeDatabaseName(name).split('.')) === text) return true;
      }
      return false;
    },
  };
}

/** Why `pattern` cannot be a pattern, or null when it can. */
export function patternProblem(pattern: string): string | null {
  const head = pattern.slice(0, IOTDB_ROOT.length);
  const rest = pattern.slice(IOTDB_ROOT.length);
  if (head.toLowerCase() === IOTDB_ROOT && (rest === '' || rest.startsWith('.'))) return null;
  return `pattern '${pattern}' must be root or start with 'root.' (a prefix of full series paths such as root.sg.d.s)`;
}

/** The pattern with `root` normalized; throws INVALID_SETTING unless it is `root` or starts with `root.`. */
export function normalizePattern(pattern: string): string {
  const problem = patternProblem(pattern);
  if (problem !== null) throw new DbError('INVALID_SETTING', problem, { pattern });
  return IOTDB_ROOT + pattern.slice(IOTDB_ROOT.length);
}

/** `<database>.<stream>.` as IoTDB prints it: every series path of the stream starts with it. */
function streamPrefix(database: string, stream: string): string {
  return formatPath([...normalizeDatabaseName(database).split('.'), ...stream.split('.')]) + '.';
}

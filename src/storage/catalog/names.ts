// Names of catalog objects (databases, streams, columns, views, pipes, users, …): the rules every
// name must follow, checked before anything is written, with an error that says which name, what
// kind of object and which rule it breaks.
//
// Rules, for every kind:
// - 1..NAME_BYTES_MAX bytes of UTF-8 (names travel in batch headers and on the wire);
// - well-formed Unicode (no lone surrogates: they cannot be encoded as UTF-8 and back);
// - no control characters (U+0000–U+001F, U+007F);
// - no leading or trailing whitespace (it is invisible in every listing).
// Anything else is allowed, dots included: database names are often IoTDB paths (`root.vehicle`)
// and stream names IoTDB device paths (`a.b`). Names never touch the file system (stream
// directories are named by numeric id), so `..`, `/` and the like are harmless.
// Names are case-sensitive, as in ClickHouse.
//
// Reserved names (RESERVED_NAME):
// - the database `system`, which holds the built-in tables: it cannot be created or dropped,
//   and nothing can be created in it;
// - column names starting with `_tp_` (virtual columns `_tp_sn`, `_tp_index_time`, `_tp_shard`
//   and future ones), except `_tp_time`, the event-time column a stream may declare itself.
import { DbError } from '../../core/errors.ts';
import { NAME_BYTES_MAX } from '../../core/limits.ts';

/** The kinds of named things; used in error messages and error details. */
export type NameKind =
  | 'database'
  | 'stream'
  | 'column'
  | 'external_stream'
  | 'view'
  | 'pipe'
  | 'pipesink'
  | 'user'
  | 'grant';

/** The database of built-in tables (`system.streams`, …). */
export const SYSTEM_DATABASE = 'system';
/** The database a new catalog starts with, and the one sessions use unless told otherwise. */
export const DEFAULT_DATABASE = 'default';
/** The event-time column every stream has. */
export const TIME_COLUMN = '_tp_time';
/** Prefix of the columns Tributary defines; user columns may not use it (except TIME_COLUMN). */
export const RESERVED_COLUMN_PREFIX = '_tp_';

/** Characters shown of a name in an error message before it is cut (the name may be huge). */
const NAME_SHOWN_CHARS_MAX = 64;

// Lone surrogates only: in `u` mode a well-formed pair is one code point, not \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const EDGE_WHITESPACE = /^\s|\s$/;

/** How a kind is written in prose: `external stream`, `column`. */
export function describeKind(kind: NameKind): string {
  return kind.replace('_', ' ');
}

/** The name as shown in an error: JSON-quoted (control characters visible), cut when long. */
export function showName(name: string): string {
  const shown = name.length > NAME_SHOWN_CHARS_MAX ? `${name.slice(0, NAME_SHOWN_CHARS_MAX)}…` : name;
  return JSON.stringify(shown);
}

/** Throws INVALID_NAME unless `name` follows the rules above. Does not check reservations. */
export function validateName(kind: NameKind, name: unknown): asserts name is string {
  const what = `${describeKind(kind)} name`;
  if (typeof name !== 'string') {
    throw invalid(kind, String(name), 'type', `${what} must be a string, got ${typeof name}`);
  }
  if (name.length === 0) {
    throw invalid(kind, name, 'empty', `${what} is empty; a name has 1 to ${NAME_BYTES_MAX} bytes`);
  }
  if (LONE_SURROGATE.test(name)) {
    throw invalid(kind, name, 'unicode', `${what} ${showName(name)} is not well-formed Unicode (lone surrogate)`);
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > NAME_BYTES_MAX) {
    throw invalid(
      kind,
      name,
      'length',
      `${what} ${showName(name)} is ${bytes} bytes of UTF-8, more than NAME_BYTES_MAX (${NAME_BYTES_MAX})`,
    );
  }
  const control = CONTROL_CHARACTER.exec(name);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw invalid(
      kind,
      name,
      'control',
      `${what} ${showName(name)} contains the control character U+${code} at offset ${control.index}`,
    );
  }
  if (EDGE_WHITESPACE.test(name)) {
    throw invalid(kind, name, 'whitespace', `${what} ${showName(name)} starts or ends with whitespace`);
  }
}

/** A database name that is about to be created or dropped: valid and not reserved. */
export function validateDatabaseNameForChange(name: unknown, action: 'create' | 'drop' | 'create objects in'): asserts name is string {
  validateName('database', name);
  if (name === SYSTEM_DATABASE) {
    throw new DbError(
      'RESERVED_NAME',
      `cannot ${action} database ${name}: it is reserved for built-in tables`,
      { kind: 'database', name, rule: 'reserved' },
    );
  }
}

/** A column name a user declares: valid and not in the reserved `_tp_` namespace (but `_tp_time` is fine). */
export function validateColumnName(name: unknown): asserts name is string {
  validateName('column', name);
  if (name.startsWith(RESERVED_COLUMN_PREFIX) && name !== TIME_COLUMN) {
    throw new DbError(
      'RESERVED_NAME',
      `column name ${showName(name)} is reserved: names starting with ${RESERVED_COLUMN_PREFIX} belong to ` +
        `Tributary's columns (only ${TIME_COLUMN} may be declared)`,
      { kind: 'column', name, rule: 'reserved' },
    );
  }
}

function invalid(kind: NameKind, name: string, rule: string, detail: string): DbError {
  return new DbError('INVALID_NAME', detail, { kind, name: name.slice(0, NAME_SHOWN_CHARS_MAX), rule });
}

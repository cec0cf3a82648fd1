// The key/value lists of CREATE PIPE's sections (WITH SOURCE / PROCESSOR / SINK), resolved before
// pipe-config.ts reads their values: which section a key belongs to, its plugin, and the key
// without its prefix and with its aliases resolved.
//
// Rules: keys and plugin names are case-insensitive; a section's plugin key is its name or a 1.2
// name ('source'/'extractor', 'processor', 'sink'/'connector'), and any other key may carry one of
// them plus '.' as a prefix (`sink.ip` = `ip`). A key of another section (`sink.ip` in WITH SOURCE),
// a key the plugin does not know, the same key under two spellings and a NULL value are errors
// (IoTDB ignores unknown keys; a typo here would silently fall back to a default). Values are kept
// as written: strings as they are, numbers in their SQL text, booleans as true/false.
import { DbError } from '../../core/errors.ts';
import { REDACTED, type Setting, type SettingValue } from '../../sql/index.ts';

export type Section = 'source' | 'processor' | 'sink';

/** Per section: the plugin keys (first: canonical); a prefix is a plugin key followed by '.'. */
const SECTION_NAMES: { readonly [S in Section]: readonly string[] } = {
  source: ['source', 'extractor'],
  processor: ['processor'],
  sink: ['sink', 'connector'],
};

export const SECTION_TITLES: { readonly [S in Section]: string } = { source: 'WITH SOURCE', processor: 'WITH PROCESSOR', sink: 'WITH SINK' };

/** A plugin's keys: canonical name → other accepted spellings. */
export type KeyTable = Readonly<Record<string, readonly string[]>>;

/** One key of a section, resolved. */
export interface Entry {
  /** The key as written. */
  readonly written: string;
  /** The key with its prefix dropped, lower case, aliases resolved. */
  readonly key: string;
  /** The value as written (numbers in their SQL text). */
  readonly value: string;
}

/** A section's keys after resolution, with the messages of errors about their values. */
export class Given {
  readonly where: string;
  private readonly entries: ReadonlyMap<string, Entry>;

  constructor(where: string, entries: ReadonlyMap<string, Entry>) {
    this.where = where;
    this.entries = entries;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  entry(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  text(key: string, fallback: string): string {
    return this.entries.get(key)?.value ?? fallback;
  }

  /** A DbError about `key`'s value: "<where>: '<key>' = '<value>' <problem>". */
  error(key: string, problem: string, code: 'INVALID_SETTING' | 'NOT_SUPPORTED' = 'INVALID_SETTING'): DbError {
    const entry = this.entries.get(key);
    const shown = entry === undefined ? `'${key}'` : `'${entry.written}' = '${entry.value}'`;
    return new DbError(code, `${this.where}: ${shown} ${problem}`, { key: entry?.written ?? key });
  }
}

export interface SectionRead<P extends string> {
  readonly plugin: P;
  readonly given: Given;
  /** Every key including the plugin key, resolved, in written order. */
  readonly entries: readonly Entry[];
}

export function readSection<P extends string>(
  pipe: string,
  section: Section,
  settings: readonly Setting[],
  plugins: Readonly<Record<string, P>>,
  fallback: P | null,
  keysOf: (plugin: P) => KeyTable,
  unsupported: readonly string[],
): SectionRead<P> {
  const where = `${pipe}: ${SECTION_TITLES[section]}`;
  const own = SECTION_NAMES[section];
  const stripped: { written: string; key: string; value: string }[] = [];
  let pluginEntry: Entry | null = null;
  for (const setting of settings) {
    const lower = setting.name.toLowerCase();
    const value = literalText(setting.value, `${where}: '${setting.name}'`);
    const other = otherSection(section, lower);
    if (other !== null) {
      throw new DbError('INVALID_SETTING', `${where}: '${setting.name}' is a key of ${SECTION_TITLES[other]}, not of ${SECTION_TITLES[section]}`, { key: setting.name });
    }
    if (own.includes(lower)) {
      if (pluginEntry !== null) throw duplicate(where, pluginEntry.written, setting.name);
      pluginEntry = { written: setting.name, key: own[0]!, value };
      continue;
    }
    const prefix = own.find((name) => lower.startsWith(`${name}.`));
    stripped.push({ written: setting.name, key: prefix === undefined ? lower : lower.slice(prefix.length + 1), value });
  }
  const plugin = resolvePlugin(where, section, pluginEntry, plugins, fallback, unsupported);
  const table = keysOf(plugin);
  const entries = new Map<string, Entry>();
  for (const item of stripped) {
    const key = canonicalKey(table, item.key);
    if (key === null) throw unknownKey(where, item.written, plugin, table);
    const previous = entries.get(key);
    if (previous !== undefined) throw duplicate(where, previous.written, item.written);
    entries.set(key, { written: item.written, key, value: item.value });
  }
  const all = pluginEntry === null ? [...entries.values()] : [{ ...pluginEntry, value: plugin }, ...entries.values()];
  return { plugin, given: new Given(`${where} (${plugin})`, entries), entries: all };
}

function resolvePlugin<P extends string>(
  where: string,
  section: Section,
  entry: Entry | null,
  plugins: Readonly<Record<string, P>>,
  fallback: P | null,
  unsupported: readonly string[],
): P {
  // The 1.2 `*-connector` spellings are accepted but not listed.
  const known = Object.keys(plugins).filter((name) => !name.endsWith('-connector')).join(', ');
  if (entry === null) {
    if (fallback !== null) return fallback;
    throw new DbError('INVALID_SETTING', `${where} needs '${section}'='<plugin>'; plugins: ${known}`);
  }
  const name = entry.value.trim().toLowerCase();
  const plugin = plugins[name];
  if (plugin !== undefined) return plugin;
  if (unsupported.includes(name)) {
    throw new DbError('NOT_SUPPORTED', `${where}: plugin '${entry.value}' is an IoTDB plugin this node does not have; ${section} plugins here: ${known}`);
  }
  throw new DbError('INVALID_SETTING', `${where}: unknown ${section} plugin '${entry.value}'; plugins: ${known}`, { key: entry.written });
}

/** The section a key belongs to when it is not `section` (its plugin key or prefix), else null. */
function otherSection(section: Section, lower: string): Section | null {
  for (const other of Object.keys(SECTION_NAMES) as Section[]) {
    if (other === section) continue;
    if (SECTION_NAMES[other].some((name) => lower === name || lower.startsWith(`${name}.`))) return other;
  }
  return null;
}

function canonicalKey(table: KeyTable, key: string): string | null {
  for (const [canonical, aliases] of Object.entries(table)) if (canonical === key || aliases.includes(key)) return canonical;
  return null;
}

function unknownKey(where: string, written: string, plugin: string, table: KeyTable): DbError {
  const keys = Object.entries(table).map(([key, aliases]) => (aliases.length === 0 ? key : `${key} (${aliases.join(', ')})`));
  const known = keys.length === 0 ? `${plugin} takes no keys` : `keys of ${plugin}: ${keys.join(', ')}`;
  return new DbError('INVALID_SETTING', `${where}: unknown key '${written}'; ${known}`, { key: written });
}

function duplicate(where: string, first: string, second: string): DbError {
  const how = first.toLowerCase() === second.toLowerCase() ? `'${first}' is given twice` : `'${first}' and '${second}' set the same key`;
  return new DbError('INVALID_SETTING', `${where}: ${how}; give it once`, { key: second });
}

/** A setting's value as text: strings as they are, numbers as written, booleans as true/false; NULL is null. */
export function settingText(value: SettingValue): string | null {
  switch (value.kind) {
    case 'StringLiteral':
      return value.value;
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return value.text;
    case 'BooleanLiteral':
      return value.value ? 'true' : 'false';
    case 'NullLiteral':
      return null;
  }
}

/** settingText, refusing NULL. */
function literalText(value: SettingValue, what: string): string {
  const text = settingText(value);
  if (text === null) throw new DbError('INVALID_SETTING', `${what} = NULL: give a value, or leave the key out for its default`);
  return text;
}

export function sectionText(section: Section, settings: readonly Setting[] | null, fallback: string | null): string {
  const pairs = (settings ?? []).map((s) => [s.name, s.value.kind === 'NullLiteral' ? 'null' : literalText(s.value, s.name)] as const);
  if (pairs.length === 0 && fallback !== null) return formatParameters([[section, fallback]]);
  return formatParameters(pairs);
}

function isPasswordKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === 'password' || lower.endsWith('.password');
}

/** `{key=value, key=value}` as IoTDB prints plugin parameters (SHOW PIPES), the password redacted. */
export function formatParameters(pairs: readonly (readonly [string, string])[]): string {
  return '{' + pairs.map(([key, value]) => `${key}=${isPasswordKey(key) ? REDACTED : value}`).join(', ') + '}';
}

// ---------------------------------------------------------------------------------------------
// Values (each error names the key and the value as written)

export function flag(given: Given, key: string, fallback: boolean): boolean {
  const text = given.entry(key)?.value.trim().toLowerCase();
  if (text === undefined) return fallback;
  if (text === 'true' || text === 'false') return text === 'true';
  throw given.error(key, 'is not true or false');
}

export function number(given: Given, key: string, fallback: number): number {
  const text = given.entry(key)?.value.trim();
  if (text === undefined) return fallback;
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value)) throw given.error(key, 'is not a number');
  return value;
}

export function integer(given: Given, key: string, fallback: number): number {
  const text = given.entry(key)?.value.trim();
  if (text === undefined) return fallback;
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) throw given.error(key, 'is not an integer');
  return value;
}

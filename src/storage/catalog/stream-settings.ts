// Stream settings: the schema of `CREATE STREAM … SETTINGS k=v`, its defaults, and the one function
// that turns user input into a complete, valid StreamSettings. The table below is the only
// description of the settings; the error messages and the list of valid keys come from it.
//
// Input values may arrive as strings (SQL `SETTINGS k='v'`), numbers or booleans. Strings are
// trimmed; integer settings accept plain decimal digits only (no sign, fraction, exponent or unit);
// enum settings are matched case-insensitively and stored lower-case. Booleans
// are accepted by no setting today and are rejected with the expected form.
//
// Invariants of a resolved StreamSettings: every key is present; every value is within its range;
// the object is frozen. resolveStreamSettings(resolved) returns an equal object (idempotent), so
// the catalog can re-validate what it reads back from disk.
import { DbError } from '../../core/errors.ts';
import {
  SEGMENT_BYTES_DEFAULT,
  SEGMENT_BYTES_MAX,
  SEGMENT_BYTES_MIN,
  SETTINGS_PER_OBJECT_MAX,
  checkLimit,
} from '../../core/limits.ts';

/** Largest delay a timer can take (setTimeout fires at once for more than 2^31-1 ms). */
const TIMER_MS_MAX = 2 ** 31 - 1;

export const FSYNC_POLICIES = ['always', 'interval', 'never'] as const;
export const BACKLOG_POLICIES = ['block', 'drop_oldest'] as const;

export type FsyncPolicy = (typeof FSYNC_POLICIES)[number];
export type BacklogPolicy = (typeof BACKLOG_POLICIES)[number];

export interface StreamSettings {
  /** When an append is made durable before it is acknowledged. */
  readonly fsync: FsyncPolicy;
  /** With fsync = 'interval': the longest time between two fsyncs. */
  readonly fsync_interval_ms: number;
  /** Size at which the active segment is sealed. */
  readonly segment_bytes: number;
  /** Age after which whole segments are removed; 0 keeps data forever. */
  readonly retention_ms: number;
  /** Size above which the oldest segments are removed; 0 is unlimited. */
  readonly retention_bytes: number;
  /** Bytes retained for running tasks beyond retention; 0 is unlimited. */
  readonly max_backlog_bytes: number;
  /** What happens when max_backlog_bytes is reached: writers wait, or the oldest data is dropped (and counted). */
  readonly backlog_policy: BacklogPolicy;
  /** With backlog_policy = 'block': how long a writer waits before its insert fails. */
  readonly block_timeout_ms: number;
}

export type StreamSettingKey = keyof StreamSettings;
export type StreamSettingsInput = Readonly<Record<string, string | number | boolean>>;

type SettingSpec<V> =
  | { readonly kind: 'enum'; readonly values: readonly V[]; readonly default: V }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly default: V; readonly note?: string };

const SETTING_SPECS: { readonly [K in StreamSettingKey]: SettingSpec<StreamSettings[K]> } = {
  fsync: { kind: 'enum', values: FSYNC_POLICIES, default: 'always' },
  fsync_interval_ms: { kind: 'int', min: 1, max: TIMER_MS_MAX, default: 100 },
  segment_bytes: { kind: 'int', min: SEGMENT_BYTES_MIN, max: SEGMENT_BYTES_MAX, default: SEGMENT_BYTES_DEFAULT },
  retention_ms: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, default: 0, note: '0 keeps data forever' },
  retention_bytes: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, default: 0, note: '0 is unlimited' },
  max_backlog_bytes: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, default: 0, note: '0 is unlimited' },
  backlog_policy: { kind: 'enum', values: BACKLOG_POLICIES, default: 'block' },
  block_timeout_ms: { kind: 'int', min: 0, max: TIMER_MS_MAX, default: 30_000 },
};

/** Every setting key, in the order of the table (the order SHOW CREATE prints them). */
export const STREAM_SETTING_KEYS: readonly StreamSettingKey[] = Object.freeze(
  Object.keys(SETTING_SPECS) as StreamSettingKey[],
);

export const STREAM_SETTING_DEFAULTS: StreamSettings = Object.freeze(defaults());

function defaults(): StreamSettings {
  const out: Record<string, unknown> = {};
  for (const key of STREAM_SETTING_KEYS) out[key] = SETTING_SPECS[key].default;
  return out as unknown as StreamSettings;
}

export function isStreamSettingKey(key: string): key is StreamSettingKey {
  return Object.hasOwn(SETTING_SPECS, key);
}

/**
 * Validates `input` and fills in defaults. Throws INVALID_SETTING for an unknown key (listing the
 * valid ones) or a bad value (naming key, value and what was expected), LIMIT_EXCEEDED for more
 * than SETTINGS_PER_OBJECT_MAX keys. Nothing is partially applied: the result is all or nothing.
 */
export function resolveStreamSettings(input: StreamSettingsInput): StreamSettings {
  const keys = Object.keys(input);
  checkLimit('SETTINGS_PER_OBJECT_MAX', SETTINGS_PER_OBJECT_MAX, keys.length, 'number of stream settings');
  const out: Record<string, string | number> = { ...STREAM_SETTING_DEFAULTS };
  for (const key of keys) {
    if (!isStreamSettingKey(key)) {
      throw new DbError(
        'INVALID_SETTING',
        `unknown stream setting ${JSON.stringify(key)}; valid settings: ${STREAM_SETTING_KEYS.join(', ')}`,
        { key },
      );
    }
    out[key] = normalizeValue(key, input[key]);
  }
  return Object.freeze(out) as unknown as StreamSettings;
}

/** The settings that differ from their defaults (what SHOW CREATE STREAM prints). */
export function changedStreamSettings(settings: StreamSettings): Partial<StreamSettings> {
  const out: Record<string, string | number> = {};
  for (const key of STREAM_SETTING_KEYS) {
    if (settings[key] !== STREAM_SETTING_DEFAULTS[key]) out[key] = settings[key];
  }
  return out as Partial<StreamSettings>;
}

/** What a setting accepts, in words: `an integer from 1 to 2147483647`, `one of 'block', 'drop_oldest'`. */
export function describeSetting(key: StreamSettingKey): string {
  const spec: SettingSpec<string | number> = SETTING_SPECS[key];
  if (spec.kind === 'enum') return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
  const range =
    spec.max === Number.MAX_SAFE_INTEGER ? `an integer >= ${spec.min}` : `an integer from ${spec.min} to ${spec.max}`;
  return spec.note === undefined ? range : `${range} (${spec.note})`;
}

function normalizeValue(key: StreamSettingKey, value: unknown): string | number {
  const spec: SettingSpec<string | number> = SETTING_SPECS[key];
  const bad = (): DbError =>
    new DbError(
      'INVALID_SETTING',
      `stream setting ${key} = ${showValue(value)} is invalid: expected ${describeSetting(key)}`,
      { key, value: showValue(value) },
    );
  if (spec.kind === 'enum') {
    if (typeof value !== 'string') throw bad();
    const lower = value.trim().toLowerCase();
    const match = spec.values.find((v) => v === lower);
    if (match === undefined) throw bad();
    return match;
  }
  let number: number;
  if (typeof value === 'number') {
    number = value;
  } else if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    number = Number(value.trim());
  } else {
    throw bad();
  }
  if (!Number.isSafeInteger(number) || number < spec.min || number > spec.max) throw bad();
  return number;
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`;
  return String(value);
}

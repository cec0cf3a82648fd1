// SETTINGS values as plain values: the parser keeps them as literals; everything that reads
// settings (queries, CREATE STREAM, external streams) takes them through here.
import type { Setting, SettingValue } from '../sql/index.ts';

export type PlainSetting = string | number | boolean | null;

export function settingValue(value: SettingValue): PlainSetting {
  switch (value.kind) {
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return Number(value.text);
    case 'StringLiteral':
    case 'BooleanLiteral':
      return value.value;
    case 'NullLiteral':
      return null;
  }
}

/** Settings by lower-case name. */
export function settingsMap(settings: readonly Setting[]): Map<string, PlainSetting> {
  return new Map(settings.map((s) => [s.name.toLowerCase(), settingValue(s.value)]));
}

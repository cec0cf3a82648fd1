// Name validation as a table: each row is a name, the kind of object, and the error code expected
// (null: valid). Messages must name the object kind and the name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '../../../src/core/errors.ts';
import { NAME_BYTES_MAX } from '../../../src/core/limits.ts';
import {
  type NameKind,
  validateColumnName,
  validateDatabaseNameForChange,
  validateName,
} from '../../../src/storage/catalog/names.ts';
import { throwsWith } from './helpers.ts';

const cases: readonly [NameKind | 'column-declared' | 'database-create', string, ErrorCode | null][] = [
  ['stream', 'cpu', null],
  ['stream', 'a.b', null],
  ['stream', 'with space inside', null],
  ['stream', 'ünïcødé_流', null],
  ['stream', '😀', null],
  ['stream', '..', null],
  ['stream', 'a/b', null],
  ['stream', 'x'.repeat(NAME_BYTES_MAX), null],
  ['stream', 'x'.repeat(NAME_BYTES_MAX + 1), 'INVALID_NAME'],
  ['stream', 'é'.repeat(128), 'INVALID_NAME'], // 256 bytes of UTF-8 in 128 characters
  ['stream', '', 'INVALID_NAME'],
  ['stream', ' cpu', 'INVALID_NAME'],
  ['stream', 'cpu ', 'INVALID_NAME'],
  ['stream', 'cpu\t', 'INVALID_NAME'],
  ['stream', 'a\u0000b', 'INVALID_NAME'],
  ['stream', 'a\nb', 'INVALID_NAME'],
  ['stream', 'a\u001fb', 'INVALID_NAME'],
  ['stream', 'a\u007fb', 'INVALID_NAME'],
  ['stream', 'a\ud800b', 'INVALID_NAME'],
  ['database', 'root.vehicle', null],
  ['database', 'root.sg1.d1', null],
  ['database', 'default', null],
  ['database', '', 'INVALID_NAME'],
  ['database-create', 'system', 'RESERVED_NAME'],
  ['database-create', 'System', null], // names are case-sensitive; only `system` is reserved
  ['database-create', 'root.vehicle', null],
  ['database-create', ' x', 'INVALID_NAME'],
  ['column-declared', 'value', null],
  ['column-declared', '_tp_time', null],
  ['column-declared', '_tp_sn', 'RESERVED_NAME'],
  ['column-declared', '_tp_index_time', 'RESERVED_NAME'],
  ['column-declared', '_tp_shard', 'RESERVED_NAME'],
  ['column-declared', '_tp_anything', 'RESERVED_NAME'],
  ['column-declared', '_tp', null],
  ['column-declared', 'tp_time', null],
  ['column-declared', '', 'INVALID_NAME'],
  ['view', 'v\r', 'INVALID_NAME'],
  ['user', 'alice', null],
  ['pipe', 'p 1', null],
  ['external_stream', ' es', 'INVALID_NAME'],
];

function check(kind: (typeof cases)[number][0], name: string): void {
  if (kind === 'column-declared') validateColumnName(name);
  else if (kind === 'database-create') validateDatabaseNameForChange(name, 'create');
  else validateName(kind, name);
}

for (const [kind, name, expected] of cases) {
  test(`name ${kind} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}…(${name.length})` : name)} → ${expected ?? 'valid'}`, () => {
    if (expected === null) {
      check(kind, name);
      return;
    }
    const error = throwsWith(expected, () => check(kind, name));
    const kindWord = kind === 'column-declared' ? 'column' : kind === 'database-create' ? 'database' : kind.replace('_', ' ');
    assert.match(error.message, new RegExp(kindWord), 'the message says what kind of object');
    const visible = JSON.stringify(name).slice(1, -1).slice(0, 10); // escaped as the message shows it
    assert.ok(error.message.includes(visible), `the message shows the name: ${error.message}`);
  });
}

test('name errors say which rule is broken', () => {
  assert.match(throwsWith('INVALID_NAME', () => validateName('stream', 'x'.repeat(300))).message, /300 bytes.*NAME_BYTES_MAX \(255\)/);
  assert.match(throwsWith('INVALID_NAME', () => validateName('stream', 'a\nb')).message, /control character U\+000a at offset 1/);
  assert.match(throwsWith('INVALID_NAME', () => validateName('database', ' a')).message, /database name " a" starts or ends with whitespace/);
  assert.match(throwsWith('INVALID_NAME', () => validateName('column', '')).message, /column name is empty/);
  assert.match(throwsWith('RESERVED_NAME', () => validateColumnName('_tp_sn')).message, /"_tp_sn" is reserved/);
  assert.match(throwsWith('RESERVED_NAME', () => validateDatabaseNameForChange('system', 'drop')).message, /cannot drop database system/);
  assert.match(throwsWith('INVALID_NAME', () => validateName('stream', 42)).message, /must be a string/);
});

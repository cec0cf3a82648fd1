// Stream settings as a table: input → resolved value, or the error code and a fragment of the
// message (which must name the key, the value and what was expected).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '../../../src/core/errors.ts';
import { SEGMENT_BYTES_DEFAULT, SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN, SETTINGS_PER_OBJECT_MAX } from '../../../src/core/limits.ts';
import {
  STREAM_SETTING_DEFAULTS,
  STREAM_SETTING_KEYS,
  type StreamSettingsInput,
  changedStreamSettings,
  resolveStreamSettings,
} from '../../../src/storage/catalog/stream-settings.ts';
import { throwsWith } from './helpers.ts';

test('defaults', () => {
  assert.deepEqual(resolveStreamSettings({}), {
    fsync: 'always',
    fsync_interval_ms: 100,
    segment_bytes: SEGMENT_BYTES_DEFAULT,
    retention_ms: 0,
    retention_bytes: 0,
    max_backlog_bytes: 0,
    backlog_policy: 'block',
    block_timeout_ms: 30_000,
  });
  assert.deepEqual(resolveStreamSettings({}), STREAM_SETTING_DEFAULTS);
  assert.ok(Object.isFrozen(resolveStreamSettings({})));
  assert.equal(STREAM_SETTING_KEYS.length, 8);
});

const valid: readonly [StreamSettingsInput, Partial<Record<string, string | number>>][] = [
  [{ fsync: 'interval' }, { fsync: 'interval' }],
  [{ fsync: 'NEVER' }, { fsync: 'never' }],
  [{ fsync: ' always ' }, { fsync: 'always' }],
  [{ fsync_interval_ms: '250' }, { fsync_interval_ms: 250 }],
  [{ fsync_interval_ms: 1 }, { fsync_interval_ms: 1 }],
  [{ segment_bytes: SEGMENT_BYTES_MIN }, { segment_bytes: SEGMENT_BYTES_MIN }],
  [{ segment_bytes: String(SEGMENT_BYTES_MAX) }, { segment_bytes: SEGMENT_BYTES_MAX }],
  [{ retention_ms: '0' }, { retention_ms: 0 }],
  [{ retention_ms: 86_400_000 }, { retention_ms: 86_400_000 }],
  [{ retention_bytes: '1073741824' }, { retention_bytes: 1_073_741_824 }],
  [{ max_backlog_bytes: 0 }, { max_backlog_bytes: 0 }],
  [{ backlog_policy: 'drop_oldest' }, { backlog_policy: 'drop_oldest' }],
  [{ block_timeout_ms: '0' }, { block_timeout_ms: 0 }],
  [{ block_timeout_ms: 5.0 }, { block_timeout_ms: 5 }],
  [{ fsync: 'interval', fsync_interval_ms: '10' }, { fsync: 'interval', fsync_interval_ms: 10 }],
];

for (const [input, expected] of valid) {
  test(`setting ${JSON.stringify(input)} is valid`, () => {
    const settings = resolveStreamSettings(input);
    assert.deepEqual(settings, { ...STREAM_SETTING_DEFAULTS, ...expected });
    assert.deepEqual(resolveStreamSettings(settings), settings, 'resolving is idempotent');
  });
}

const invalid: readonly [StreamSettingsInput, ErrorCode, RegExp][] = [
  [{ fsnyc: 'always' }, 'INVALID_SETTING', /unknown stream setting "fsnyc"; valid settings: fsync, fsync_interval_ms, segment_bytes/],
  [{ toString: '1' }, 'INVALID_SETTING', /unknown stream setting "toString"/],
  [{ fsync: 'sometimes' }, 'INVALID_SETTING', /fsync = 'sometimes' is invalid: expected one of 'always', 'interval', 'never'/],
  [{ fsync: true }, 'INVALID_SETTING', /fsync = true is invalid/],
  [{ fsync: 1 }, 'INVALID_SETTING', /fsync = 1 is invalid/],
  [{ fsync_interval_ms: 0 }, 'INVALID_SETTING', /fsync_interval_ms = 0 is invalid: expected an integer from 1 to 2147483647/],
  [{ fsync_interval_ms: '1.5' }, 'INVALID_SETTING', /fsync_interval_ms = '1.5'/],
  [{ fsync_interval_ms: 1.5 }, 'INVALID_SETTING', /fsync_interval_ms = 1.5/],
  [{ fsync_interval_ms: '' }, 'INVALID_SETTING', /fsync_interval_ms = ''/],
  [{ fsync_interval_ms: '1e3' }, 'INVALID_SETTING', /fsync_interval_ms = '1e3'/],
  [{ fsync_interval_ms: '0x10' }, 'INVALID_SETTING', /fsync_interval_ms/],
  [{ fsync_interval_ms: 2 ** 31 }, 'INVALID_SETTING', /fsync_interval_ms = 2147483648/],
  [{ segment_bytes: SEGMENT_BYTES_MIN - 1 }, 'INVALID_SETTING', new RegExp(`segment_bytes = ${SEGMENT_BYTES_MIN - 1} is invalid: expected an integer from ${SEGMENT_BYTES_MIN} to ${SEGMENT_BYTES_MAX}`)],
  [{ segment_bytes: SEGMENT_BYTES_MAX + 1 }, 'INVALID_SETTING', /segment_bytes/],
  [{ segment_bytes: '64MiB' }, 'INVALID_SETTING', /segment_bytes = '64MiB'/],
  [{ retention_ms: -1 }, 'INVALID_SETTING', /retention_ms = -1 is invalid: expected an integer >= 0 \(0 keeps data forever\)/],
  [{ retention_ms: '-1' }, 'INVALID_SETTING', /retention_ms = '-1'/],
  [{ retention_bytes: Number.NaN }, 'INVALID_SETTING', /retention_bytes = NaN/],
  [{ retention_bytes: Number.POSITIVE_INFINITY }, 'INVALID_SETTING', /retention_bytes = Infinity/],
  [{ retention_bytes: '99999999999999999999' }, 'INVALID_SETTING', /retention_bytes/],
  [{ max_backlog_bytes: false }, 'INVALID_SETTING', /max_backlog_bytes = false/],
  [{ backlog_policy: 'drop_newest' }, 'INVALID_SETTING', /backlog_policy = 'drop_newest' is invalid: expected one of 'block', 'drop_oldest'/],
  [{ block_timeout_ms: -5 }, 'INVALID_SETTING', /block_timeout_ms = -5/],
  [Object.fromEntries(Array.from({ length: SETTINGS_PER_OBJECT_MAX + 1 }, (_, i) => [`k${i}`, 1])), 'LIMIT_EXCEEDED', /SETTINGS_PER_OBJECT_MAX/],
];

for (const [input, code, message] of invalid) {
  const shown = JSON.stringify(input).slice(0, 60);
  test(`setting ${shown} → ${code}`, () => {
    const error = throwsWith(code, () => resolveStreamSettings(input));
    assert.match(error.message, message);
  });
}

test('changedStreamSettings lists only non-defaults', () => {
  assert.deepEqual(changedStreamSettings(resolveStreamSettings({})), {});
  assert.deepEqual(changedStreamSettings(resolveStreamSettings({ fsync: 'never', retention_ms: '60000', block_timeout_ms: 30000 })), {
    fsync: 'never',
    retention_ms: 60_000,
  });
});

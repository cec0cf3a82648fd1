// crc32Patched and stampBatch against a full CRC: random messages, windows at every kind of place
// (start, middle, end, one byte, 64 bytes), lengths from 1 byte to past 1 MiB; and a stamped batch
// verifies and decodes with the new sn and append time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { Prng } from '../../../src/core/prng.ts';
import { crc32Patched } from '../../../src/types/crc32-patch.ts';
import { batchFromRows } from '../../../src/types/batch.ts';
import { decodeBatch, encodeBatch, stampBatch, verifyBatch } from '../../../src/types/batch-codec.ts';
import { T } from '../../../src/types/data-type.ts';

test('crc32Patched equals the CRC of the changed message, for random messages and windows', () => {
  const prng = new Prng(20261121);
  const lengths = [1, 2, 7, 64, 65, 1000, 4096, 65_537, 1_100_000];
  for (const length of lengths) {
    for (let round = 0; round < 12; round++) {
      const message = new Uint8Array(length);
      for (let i = 0; i < length; i++) message[i] = prng.int(0, 256 - 1);
      const size = 1 + prng.int(0, Math.min(64, length) - 1);
      const at = round === 0 ? 0 : round === 1 ? length - size : prng.int(0, length - size + 1 - 1);
      const oldCrc = crc32(message);
      const before = message.slice(at, at + size);
      const after = new Uint8Array(size);
      for (let i = 0; i < size; i++) after[i] = round === 2 ? before[i] : prng.int(0, 256 - 1);
      message.set(after, at);
      assert.equal(crc32Patched(oldCrc, before, after, length - at - size), crc32(message), `length ${length}, window [${at}, ${at + size})`);
    }
  }
});

test('crc32Patched refuses windows of different or too large sizes', () => {
  assert.throws(() => crc32Patched(0, new Uint8Array(3), new Uint8Array(4), 0), RangeError);
  assert.throws(() => crc32Patched(0, new Uint8Array(65), new Uint8Array(65), 0), RangeError);
});

test('stampBatch: the stamped batch verifies and carries the new base sn and append time', () => {
  const columns = [
    { name: '_tp_time', type: T.datetime64('UTC') },
    { name: 'device', type: T.string },
    { name: 'temp', type: T.float64 },
  ];
  const rows = Array.from({ length: 5000 }, (_, i) => ({ _tp_time: 1_700_000_000_000 + i, device: `d-${i % 17}`, temp: i / 3 }));
  for (const origin of [null, { nodeId: 'edge-1', taskId: 'view/v', lane: 2, firstSn: 10, lastSn: 5009 }]) {
    const bytes = encodeBatch(batchFromRows(columns, rows), { baseSn: 0, appendTimeMs: 1, origin });
    stampBatch(bytes, 123_456_789_012, 1_700_000_123_456);
    assert.equal(verifyBatch(bytes, 0), bytes.length);
    const { header, batch } = decodeBatch(bytes, 0);
    assert.equal(header.baseSn, 123_456_789_012);
    assert.equal(header.appendTimeMs, 1_700_000_123_456);
    assert.equal(batch.rowCount, 5000);
    assert.deepEqual(header.origin, origin);
  }
});

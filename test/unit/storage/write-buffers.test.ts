// WriteBuffers by example: a written buffer is lent again, zero-filled; foreign or twice-given
// buffers are ignored; small and huge requests are not pooled; the pool's bytes stay bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WRITE_BUFFER_POOL_BYTES_MAX } from '../../../src/core/limits.ts';
import { WRITE_BUFFER_BYTES_MAX_POOLED, WRITE_BUFFER_BYTES_MIN, writeBuffers } from '../../../src/storage/log/write-buffers.ts';

test('write buffers: a given-back buffer is lent again, zero-filled, at offset 0', () => {
  const a = writeBuffers.take(100_000);
  assert.equal(a.length, 100_000);
  assert.equal(a.byteOffset, 0);
  assert.ok(a.buffer.byteLength >= 100_000 && a.buffer.byteLength <= 200_000);
  a.fill(7);
  writeBuffers.give(a);
  const reused = writeBuffers.reused;
  const b = writeBuffers.take(90_000);
  assert.equal(writeBuffers.reused, reused + 1);
  assert.equal(b.buffer, a.buffer);
  assert.equal(b.length, 90_000);
  assert.ok(b.every((x) => x === 0));
  writeBuffers.give(b);
  const c = writeBuffers.take(70_000, false);
  assert.equal(c.buffer, a.buffer, 'unzeroed take reuses too');
  writeBuffers.give(c);
});

test('write buffers: foreign buffers, second gives, small and huge requests are not pooled', () => {
  const before = writeBuffers.bytes;
  writeBuffers.give(new Uint8Array(200_000));
  assert.equal(writeBuffers.bytes, before, 'a buffer take() did not lend is ignored');
  const a = writeBuffers.take(300_000);
  writeBuffers.give(a);
  const pooled = writeBuffers.bytes;
  writeBuffers.give(a);
  assert.equal(writeBuffers.bytes, pooled, 'giving twice counts once');
  const small = writeBuffers.take(WRITE_BUFFER_BYTES_MIN / 2 - 8);
  assert.equal(small.buffer.byteLength, small.length, 'a small request gets a buffer of its own size');
  const huge = writeBuffers.take(WRITE_BUFFER_BYTES_MAX_POOLED + 8);
  assert.equal(huge.buffer.byteLength, huge.length);
  writeBuffers.give(small);
  writeBuffers.give(huge);
  assert.equal(writeBuffers.bytes, pooled);
});

test('write buffers: the pool never keeps more than WRITE_BUFFER_POOL_BYTES_MAX', () => {
  const lent = Array.from({ length: Math.ceil(WRITE_BUFFER_POOL_BYTES_MAX / (1024 * 1024)) + 8 }, () => writeBuffers.take(1024 * 1024));
  for (const view of lent) writeBuffers.give(view);
  assert.ok(writeBuffers.bytes <= WRITE_BUFFER_POOL_BYTES_MAX, `${writeBuffers.bytes} bytes pooled`);
});

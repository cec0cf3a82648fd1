// Frame codec properties (STYLE habit 8): random messages of every type round-trip through
// encodeFrame and FrameDecoder under random chunking; random bytes, and valid streams with bytes
// flipped, never crash the decoder with anything but a DbError, and after an error the decoder
// stays failed. Set FUZZ_RUNS=<n> to search deeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DbError } from '../../src/core/errors.ts';
import { rowsOf } from '../../src/types/batch.ts';
import { decodeBatch, encodeBatch } from '../../src/types/batch-codec.ts';
import type { Value } from '../../src/types/vector.ts';
import { FrameDecoder } from '../../src/net/protocol/codec.ts';
import { type Message, encodeFrame } from '../../src/net/protocol/frame.ts';
import { arbBatch, arbColumnName, arbDataType, arbEncodeOptions, arbString, fuzzRuns } from '../support/arbitraries.ts';

const u32 = fc.nat({ max: 0xffff_ffff });
const u64 = fc.oneof(fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeInteger().map(Math.abs));
const u16 = fc.nat({ max: 0xffff });

const arbValue: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    arbString(),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

const arbMap = <V>(value: fc.Arbitrary<V>): fc.Arbitrary<Map<string, V>> =>
  fc.uniqueArray(fc.tuple(arbString(12), value), { selector: ([key]) => key, maxLength: 6 }).map((entries) => new Map(entries));

const arbMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('HELLO' as const),
    requestId: u32,
    versionMin: u16,
    versionMax: u16,
    user: arbString(),
    password: arbString(),
    database: arbString(),
    clientName: arbString(),
    nodeId: arbString(),
  }).map((m) => ({ ...m, versionMin: Math.min(m.versionMin, m.versionMax), versionMax: Math.max(m.versionMin, m.versionMax) })),
  fc.record({ type: fc.constant('HELLO_OK' as const), requestId: u32, version: u16, serverNodeId: arbString(), serverVersion: arbString(), database: arbString() }),
  fc.record({ type: fc.constant('ERROR' as const), requestId: u32, wireCode: u32, code: arbString(), message: arbString(200) }),
  fc.record({ type: fc.constant('QUERY' as const), requestId: u32, sql: arbString(200), settings: arbMap(arbString()), params: arbMap(arbValue) }),
  fc.record({
    type: fc.constant('SCHEMA' as const),
    requestId: u32,
    streaming: fc.boolean(),
    columns: fc.array(fc.record({ name: arbColumnName(), type: arbDataType() }), { maxLength: 6 }).map((cs) => cs.map((c) => ({ name: c.name, type: c.type }))),
  }),
  fc.tuple(u32, arbBatch({ rowsMax: 20, columnsMax: 4 }), arbEncodeOptions()).map(([requestId, batch, options]): Message => ({ type: 'DATA', requestId, batch: encodeBatch(batch, options) })),
  fc.record({ type: fc.constant('PROGRESS' as const), requestId: u32, rows: u64, bytes: u64 }),
  fc.record({ type: fc.constant('END' as const), requestId: u32, rows: u64 }),
  fc.record({ type: fc.constant('INSERT' as const), requestId: u32, stream: arbString(), database: arbString() }),
  fc.record({ type: fc.constant('INSERT_OK' as const), requestId: u32, rows: u64, firstSn: u64, endSn: u64 }),
  fc.record({ type: fc.constantFrom('CANCEL' as const, 'PING' as const, 'PONG' as const), requestId: u32 }),
  fc.record({ type: fc.constant('CREDIT' as const), requestId: u32, frames: u32, bytes: u64 }),
);

/** fc.record builds null-prototype objects; the decoder builds plain ones. Compare plain to plain. */
function plain(message: Message): Message {
  if (message.type === 'SCHEMA') return { ...message, columns: message.columns.map((c) => ({ name: c.name, type: c.type })) };
  return { ...message };
}

/** Splits `bytes` at the given cut points (any order, duplicates allowed) and pushes the pieces. */
function pushInPieces(decoder: FrameDecoder, bytes: Uint8Array, cuts: readonly number[]): Message[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Message[] = [];
  let start = 0;
  for (const end of [...points, bytes.length]) {
    out.push(...decoder.push(bytes.subarray(start, end)));
    start = end;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

test('fuzz frame codec: random messages round-trip under random chunking', () => {
  fc.assert(
    fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, cuts) => {
      const stream = concat(messages.map(encodeFrame));
      const decoded = pushInPieces(new FrameDecoder(), stream, cuts);
      assert.equal(decoded.length, messages.length);
      for (let i = 0; i < messages.length; i++) {
        const expected = messages[i];
        const actual = decoded[i];
        if (expected.type === 'DATA' && actual.type === 'DATA') {
          assert.deepStrictEqual(actual.batch, expected.batch);
          assert.deepStrictEqual(rowsOf(decodeBatch(actual.batch).batch), rowsOf(decodeBatch(expected.batch).batch));
          assert.equal(actual.requestId, expected.requestId);
        } else assert.deepStrictEqual(actual, plain(expected));
      }
    }),
    { numRuns: fuzzRuns(300) },
  );
});

function assertOnlyDbErrors(bytes: Uint8Array, cuts: readonly number[]): void {
  const decoder = new FrameDecoder({ frameBytesMax: 1 << 20, controlFrameBytesMax: 1 << 16 });
  let failure: unknown = null;
  try {
    pushInPieces(decoder, bytes, cuts);
  } catch (error) {
    failure = error;
  }
  if (failure === null) return;
  assert.ok(failure instanceof DbError, `decoder threw a non-DbError: ${String(failure)}`);
  assert.ok(['PROTOCOL_ERROR', 'FRAME_TOO_LARGE', 'LIMIT_EXCEEDED'].includes(failure.code), failure.code);
  assert.ok(decoder.failed);
  assert.throws(() => decoder.push(new Uint8Array([0])), (again: unknown) => again === failure);
}

test('fuzz frame codec: random bytes never crash the decoder except with DbError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => assertOnlyDbErrors(bytes, cuts)),
    { numRuns: fuzzRuns(1000) },
  );
});

test('fuzz frame codec: valid streams with flipped bytes fail only with DbError', () => {
  fc.assert(
    fc.property(
      fc.array(arbMessage, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (messages, flips, cuts) => {
        const stream = concat(messages.map(encodeFrame));
        for (const [at, mask] of flips) stream[at % stream.length] ^= mask;
        assertOnlyDbErrors(stream, cuts);
      },
    ),
    { numRuns: fuzzRuns(500) },
  );
});

test('fuzz frame codec: reads straight into directTarget() or a reused scratch decode the same frames', () => {
  fc.assert(
    fc.property(fc.array(arbMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 30 }), (messages, sizes) => {
      const stream = concat(messages.map(encodeFrame));
      const decoder = new FrameDecoder();
      // One scratch buffer for every read that does not go into a body: the decoder must copy out
      // what it keeps, as DirectReader (transport.ts) relies on.
      const scratch = new Uint8Array(64);
      const decoded: Message[] = [];
      let at = 0;
      let k = 0;
      while (at < stream.length) {
        const want = sizes[k++ % sizes.length];
        const direct = decoder.directTarget();
        const target = direct ?? scratch;
        const n = Math.min(want, target.length, stream.length - at);
        target.set(stream.subarray(at, at + n));
        at += n;
        decoded.push(...(direct !== null ? decoder.commitDirect(n) : decoder.push(scratch.subarray(0, n))));
        scratch.fill(0xee);
      }
      assert.equal(decoded.length, messages.length);
      for (let i = 0; i < messages.length; i++) {
        const expected = messages[i];
        const actual = decoded[i];
        if (expected.type === 'DATA' && actual.type === 'DATA') assert.deepStrictEqual(actual.batch, expected.batch);
        else assert.deepStrictEqual(actual, plain(expected));
      }
      assert.equal(decoder.directTarget(), null, 'no frame open at the end');
    }),
    { numRuns: fuzzRuns(300) },
  );
});

test('frame codec: commitDirect refuses more bytes than the open body lacks', () => {
  const decoder = new FrameDecoder();
  assert.throws(() => decoder.commitDirect(1), (error: unknown) => error instanceof DbError && error.code === 'INTERNAL');
});

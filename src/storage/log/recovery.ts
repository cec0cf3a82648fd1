// Recovery: walks a segment file and finds where its valid batches end. Used when a log opens.
//
// The active (last) segment is verified fully: every batch's CRC is checked, and the file is cut at
// the first torn or corrupt batch, because only the tail can hold a write that a crash interrupted.
// Sealed segments were fsynced before the next one began, so by default only their batch headers
// are walked (fast reopen); their payloads are still CRC-checked on every read, so damage there is
// reported when read and never served. `verify: 'all'` checks every segment fully.
//
// A batch is accepted iff its header is sane, it lies wholly inside the file, its CRC matches (when
// verifying) and its base sn continues the previous batch. The first batch that fails ends the scan:
// the bytes from there on are "cut" and reported with the reason.
import { readSync } from 'node:fs';
import { SCAN_READ_BYTES } from '../../core/limits.ts';
import { isDbError } from '../../core/errors.ts';
import { BATCH_HEADER_BYTES, decodeBatchHeader, peekBatchLength, verifyBatch } from '../../types/batch-codec.ts';
import { SEGMENT_HEADER_BYTES } from './segment-file.ts';

export interface ScannedBatch {
  readonly baseSn: number;
  readonly rowCount: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly appendTimeMs: number;
  readonly offset: number;
  readonly byteLength: number;
}

export interface SegmentScan {
  /** Offset just past the last accepted batch. */
  readonly validBytes: number;
  /** Why the scan stopped before the end of the file, or null when the whole file is valid. */
  readonly damage: { readonly offset: number; readonly reason: string } | null;
  /** One past the last accepted row's sn. */
  readonly endSn: number;
}

/** Walks the batches of an open segment, calling `onBatch` for each accepted one, in order. */
export function scanSegment(
  fd: number,
  fileBytes: number,
  baseSn: number,
  verify: boolean,
  onBatch: (batch: ScannedBatch) => void,
): SegmentScan {
  let offset = SEGMENT_HEADER_BYTES;
  let expectedSn = baseSn;
  let buffer = Buffer.allocUnsafeSlow(verify ? SCAN_READ_BYTES : BATCH_HEADER_BYTES);
  // The file range [chunkStart, chunkStart + chunkBytes) is in `buffer`.
  let chunkStart = 0;
  let chunkBytes = 0;
  const load = (start: number, bytes: number): void => {
    if (buffer.length < bytes) buffer = Buffer.allocUnsafeSlow(bytes);
    const want = Math.min(Math.max(bytes, verify ? buffer.length : bytes), fileBytes - start, buffer.length);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buffer, got, want - got, start + got);
      if (n === 0) break;
      got += n;
    }
    chunkStart = start;
    chunkBytes = got;
  };
  const stop = (reason: string): SegmentScan => ({ validBytes: offset, damage: { offset, reason }, endSn: expectedSn });

  while (offset < fileBytes) {
    const remaining = fileBytes - offset;
    if (remaining < BATCH_HEADER_BYTES) return stop(`torn batch header (${remaining} bytes at the end of the file)`);
    if (offset < chunkStart || offset + BATCH_HEADER_BYTES > chunkStart + chunkBytes) load(offset, BATCH_HEADER_BYTES);
    const at = offset - chunkStart;
    let length: number;
    try {
      length = peekBatchLength(buffer.subarray(0, chunkBytes), at)!;
    } catch (error) {
      if (isDbError(error, 'BATCH_CORRUPT')) return stop(error.message);
      throw error;
    }
    if (length > remaining) return stop(`torn batch (${length} bytes declared, ${remaining} present)`);
    let view = buffer.subarray(0, chunkBytes);
    let viewAt = at;
    if (verify) {
      if (offset + length > chunkStart + chunkBytes) {
        load(offset, length);
        view = buffer.subarray(0, chunkBytes);
        viewAt = 0;
      }
      try {
        verifyBatch(view, viewAt);
      } catch (error) {
        if (isDbError(error, 'BATCH_CORRUPT')) return stop(error.message);
        throw error;
      }
    }
    // The origin is not needed here; decode only the fixed part via a header-sized window when the
    // payload was not loaded.
    const header = verify ? decodeBatchHeader(view, viewAt) : decodeFixedHeader(view, viewAt, length);
    if (header.baseSn !== expectedSn) return stop(`sn discontinuity: batch starts at ${header.baseSn}, expected ${expectedSn}`);
    onBatch({
      baseSn: header.baseSn,
      rowCount: header.rowCount,
      minTimeMs: header.minTimeMs,
      maxTimeMs: header.maxTimeMs,
      appendTimeMs: header.appendTimeMs,
      offset,
      byteLength: length,
    });
    expectedSn += header.rowCount;
    offset += length;
  }
  return { validBytes: offset, damage: null, endSn: expectedSn };
}

/** The fixed 56-byte header fields, read without the rest of the batch (header-walk mode). */
function decodeFixedHeader(bytes: Uint8Array, at: number, length: number) {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, BATCH_HEADER_BYTES);
  return {
    byteLength: length,
    rowCount: view.getUint32(16, true),
    baseSn: Number(view.getBigUint64(24, true)),
    minTimeMs: view.getFloat64(32, true),
    maxTimeMs: view.getFloat64(40, true),
    appendTimeMs: view.getFloat64(48, true),
  };
}

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
//
// Across segments: a segment's base sn (in its CRC-protected header) must equal the end of the
// segment before it. When a header walk disagrees, that segment is re-verified fully; a difference
// that remains (a damaged sealed segment) is reported as a cut, and readers crossing it are told of
// the gap (onGap or POSITION_DROPPED), never given a silent jump in _tp_sn.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SCAN_READ_BYTES } from '../../core/limits.ts';
import { DbError, isDbError } from '../../core/errors.ts';
import { BATCH_HEADER_BYTES, decodeBatchHeader, peekBatchLength, verifyBatch } from '../../types/batch-codec.ts';
import type { LogIndex } from './log-index.ts';
import { SEGMENT_HEADER_BYTES, decodeSegmentHeader, parseSegmentFileName, segmentPath } from './segment-file.ts';

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

export interface RecoveryCut {
  readonly segment: string;
  readonly offset: number;
  readonly bytesCut: number;
  readonly reason: string;
  /** true when the file was truncated (the active segment); false when a sealed segment was left as is. */
  readonly truncated: boolean;
}

export interface RecoveredSegment {
  readonly baseSn: number;
  readonly path: string;
  readonly bytes: number;
  readonly endSn: number;
  readonly lastAppendMs: number;
}

export interface LogRecovery {
  readonly opened: RecoveredSegment[];
  readonly cuts: RecoveryCut[];
  /** Full paths of files removed: stale temporary files and segments whose creation was torn. */
  readonly removedFiles: string[];
  readonly batches: number;
  readonly rows: number;
}

/**
 * Recovers every segment of a log directory into `index` (segment ids = positions in `opened`):
 * removes stale temporary files and a torn trailing segment, verifies the tail fully (truncating it
 * at the first bad batch), header-walks sealed segments (or verifies them, with `verifyAll`).
 */
export function recoverSegments(dir: string, verifyAll: boolean, index: LogIndex): LogRecovery {
  const cuts: RecoveryCut[] = [];
  const removedFiles: string[] = [];
  const names = readdirSync(dir).sort();
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      unlinkSync(join(dir, name));
      removedFiles.push(join(dir, name));
    }
  }
  const bases = names.map(parseSegmentFileName).filter((sn): sn is number => sn !== null);
  // A trailing segment whose creation was interrupted never held a batch: remove it first, so the
  // segment before it is treated as the tail and verified fully.
  while (bases.length > 0) {
    const path = segmentPath(dir, bases[bases.length - 1]);
    const header = readSegmentHeader(path);
    if (typeof header.parsed !== 'string' || header.fileBytes > SEGMENT_HEADER_BYTES) break;
    unlinkSync(path);
    removedFiles.push(path);
    bases.pop();
  }
  const opened: RecoveredSegment[] = [];
  for (let s = 0; s < bases.length; s++) {
    const isLast = s === bases.length - 1;
    const path = segmentPath(dir, bases[s]);
    const { parsed: header, fileBytes } = readSegmentHeader(path);
    if (typeof header === 'string') throw new DbError('SEGMENT_CORRUPT', `${path}: ${header}`, { path });
    if (header.baseSn !== bases[s]) {
      throw new DbError('SEGMENT_CORRUPT', `${path}: header says base sn ${header.baseSn}, file name says ${bases[s]}`, { path });
    }
    const previous = opened[opened.length - 1];
    if (previous !== undefined && previous.endSn !== header.baseSn) {
      // The header walk of the previous segment disagrees with this header: verify it fully.
      const firstId = index.endId - countEntries(index, opened.length - 1);
      index.truncateFrom(firstId);
      for (let c = cuts.length - 1; c >= 0; c--) if (cuts[c].segment === previous.path) cuts.splice(c, 1);
      const redo = scanOne(previous.path, opened.length - 1, true, false, index, cuts);
      opened[opened.length - 1] = redo;
      if (redo.endSn !== header.baseSn && !cuts.some((c) => c.segment === previous.path)) {
        cuts.push({
          segment: previous.path,
          offset: redo.bytes,
          bytesCut: 0,
          reason: `sn gap: segment ends at sn ${redo.endSn}, the next one begins at ${header.baseSn}`,
          truncated: false,
        });
      }
    }
    opened.push(scanOne(path, opened.length, isLast || verifyAll, isLast, index, cuts, fileBytes));
  }
  const rows = opened.reduce((sum, segment) => sum + (segment.endSn - segment.baseSn), 0);
  return { opened, cuts, removedFiles, batches: index.size, rows };
}

function countEntries(index: LogIndex, segmentId: number): number {
  let count = 0;
  for (let id = index.endId - 1; id >= index.firstId && index.segmentOf(id) === segmentId; id--) count++;
  return count;
}

function readSegmentHeader(path: string): { parsed: ReturnType<typeof decodeSegmentHeader>; fileBytes: number } {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const bytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const got = readSync(fd, bytes, 0, SEGMENT_HEADER_BYTES, 0);
    return { parsed: decodeSegmentHeader(bytes.subarray(0, got)), fileBytes };
  } finally {
    closeSync(fd);
  }
}

/** Scans one segment into the index; truncates it at the first bad batch when `truncate`. */
function scanOne(
  path: string,
  segmentId: number,
  verify: boolean,
  truncate: boolean,
  index: LogIndex,
  cuts: RecoveryCut[],
  knownBytes?: number,
): RecoveredSegment {
  const fd = openSync(path, truncate ? 'r+' : 'r');
  try {
    const fileBytes = knownBytes ?? fstatSync(fd).size;
    const header = readSegmentHeader(path).parsed;
    if (typeof header === 'string') throw new DbError('SEGMENT_CORRUPT', `${path}: ${header}`, { path });
    let lastAppendMs = header.createdAtMs;
    const scan = scanSegment(fd, fileBytes, header.baseSn, verify, (b) => {
      index.push(b.baseSn, b.rowCount, b.minTimeMs, b.maxTimeMs, b.appendTimeMs, segmentId, b.offset, b.byteLength);
      lastAppendMs = b.appendTimeMs;
    });
    if (scan.damage !== null) {
      if (truncate) {
        ftruncateSync(fd, scan.validBytes);
        fsyncSync(fd);
      }
      const reason = scan.damage.reason.replace(/ \(batch at byte \d+\)$/, '');
      cuts.push({ segment: path, offset: scan.damage.offset, bytesCut: fileBytes - scan.validBytes, reason, truncated: truncate });
    }
    return { baseSn: header.baseSn, path, bytes: scan.validBytes, endSn: scan.endSn, lastAppendMs };
  } finally {
    closeSync(fd);
  }
}

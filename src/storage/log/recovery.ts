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
//
// Origins (the exactly-once high-water marks, see origins.ts): every accepted batch's origin is
// collected, so the marks are rebuilt from exactly the batches the index holds (a cut batch's origin
// never counts). In a header walk the origin is read from the bytes just after the fixed header (one
// small read, only for batches that carry one); since those bytes are not CRC-checked there, two
// checks guard the marks: per origin key, the ranges must increase strictly in log order (the log
// never stores otherwise), and the last batch of each key in a header-walked segment is CRC-verified.
// If either check fails (or an origin cannot be parsed), recovery runs again with every segment
// verified, so that the marks come from verified batches only.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ORIGIN_ID_BYTES_MAX, SCAN_READ_BYTES } from '../../core/limits.ts';
import { DbError, isDbError } from '../../core/errors.ts';
import { BATCH_HEADER_BYTES, type BatchHeader, decodeBatchHeader, peekBatchLength, verifyBatch } from '../../types/batch-codec.ts';
import type { Origin } from '../../types/batch.ts';
import type { LogIndex } from './log-index.ts';
import { type OriginHighWaterMark, originKey } from './origins.ts';
import { SEGMENT_HEADER_BYTES, decodeSegmentHeader, parseSegmentFileName, segmentPath } from './segment-file.ts';

export interface ScannedBatch {
  readonly baseSn: number;
  readonly rowCount: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly appendTimeMs: number;
  readonly offset: number;
  readonly byteLength: number;
  /** The batch's origin, or null when it has none (or, in a header walk, when it could not be parsed). */
  readonly origin: Origin | null;
}

export interface SegmentScan {
  /** Offset just past the last accepted batch. */
  readonly validBytes: number;
  /** Why the scan stopped before the end of the file, or null when the whole file is valid. */
  readonly damage: { readonly offset: number; readonly reason: string } | null;
  /** One past the last accepted row's sn. */
  readonly endSn: number;
  /** A header walk found a batch whose origin flag is set but whose origin bytes do not parse. */
  readonly originUnreadable: boolean;
}

/** The origin flag (bit 0 of the u16 at byte 6 of a batch header; see batch-codec.ts). */
const FLAG_ORIGIN = 1;
/** Bytes from a batch's start that hold its whole origin, whatever the id lengths (batch-codec.ts layout). */
const ORIGIN_WINDOW_BYTES = BATCH_HEADER_BYTES + 2 * (1 + ORIGIN_ID_BYTES_MAX) + 4 + 16;
const SN_MAX = Number.MAX_SAFE_INTEGER;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses the origin of the batch at `at` from the first `available` bytes of it (header-walk mode:
 * the payload is not loaded and not CRC-checked). Returns null when the bytes do not hold a sane origin.
 */
function parseOriginWindow(bytes: Uint8Array, at: number, available: number): Origin | null {
  const end = at + available;
  let pos = at + BATCH_HEADER_BYTES;
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    if (pos + 1 > end) return null;
    const length = bytes[pos++];
    if (pos + length > end) return null;
    try {
      ids.push(utf8.decode(bytes.subarray(pos, pos + length)));
    } catch {
      return null;
    }
    pos += length;
  }
  if (pos + 20 > end) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, 20);
  const lane = view.getUint32(0, true);
  const firstSn = view.getBigUint64(4, true);
  const lastSn = view.getBigUint64(12, true);
  if (lastSn > BigInt(SN_MAX) || firstSn > lastSn) return null;
  return { nodeId: ids[0], taskId: ids[1], lane, firstSn: Number(firstSn), lastSn: Number(lastSn) };
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
  let originUnreadable = false;
  const stop = (reason: string): SegmentScan => ({ validBytes: offset, damage: { offset, reason }, endSn: expectedSn, originUnreadable });

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
    // Verified: the full header, origin included. Header walk: the fixed part from the header-sized
    // window, then (only when the origin flag is set) the origin from a window just large enough.
    let header: { readonly baseSn: number; readonly rowCount: number; readonly minTimeMs: number; readonly maxTimeMs: number; readonly appendTimeMs: number };
    let origin: Origin | null;
    if (verify) {
      let full: BatchHeader;
      try {
        full = decodeBatchHeader(view, viewAt);
      } catch (error) {
        if (isDbError(error, 'BATCH_CORRUPT')) return stop(error.message);
        throw error;
      }
      header = full;
      origin = full.origin;
    } else {
      header = decodeFixedHeader(view, viewAt, length);
      origin = null;
      if ((view[viewAt + 6] & FLAG_ORIGIN) !== 0) {
        const window = Math.min(length, ORIGIN_WINDOW_BYTES);
        if (offset + window > chunkStart + chunkBytes) load(offset, window);
        origin = parseOriginWindow(buffer.subarray(0, chunkBytes), offset - chunkStart, Math.min(window, chunkStart + chunkBytes - offset));
        if (origin === null) originUnreadable = true;
      }
    }
    if (header.baseSn !== expectedSn) return stop(`sn discontinuity: batch starts at ${header.baseSn}, expected ${expectedSn}`);
    onBatch({
      baseSn: header.baseSn,
      rowCount: header.rowCount,
      minTimeMs: header.minTimeMs,
      maxTimeMs: header.maxTimeMs,
      appendTimeMs: header.appendTimeMs,
      offset,
      byteLength: length,
      origin,
    });
    expectedSn += header.rowCount;
    offset += length;
  }
  return { validBytes: offset, damage: null, endSn: expectedSn, originUnreadable };
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
  /** Per origin key, the highest origin.lastSn among the accepted batches (the durable marks on disk). */
  readonly origins: OriginHighWaterMark[];
  /** The header walk's origins did not check out, so every segment was verified (see the module comment). */
  readonly originsReverified: boolean;
}

/** What one segment's accepted batches say about one origin key, in log order. */
interface SegmentOrigin {
  readonly nodeId: string;
  readonly taskId: string;
  readonly lane: number;
  /** firstSn of the key's first batch in the segment. */
  readonly firstSn: number;
  /** lastSn of the key's last batch in the segment, and that batch's place. */
  lastSn: number;
  maxLastSn: number;
  offset: number;
  byteLength: number;
  /** Every batch of the key in the segment began after the one before it ended. */
  ordered: boolean;
}

interface ScannedSegment {
  readonly segment: RecoveredSegment;
  readonly origins: Map<string, SegmentOrigin>;
  readonly verified: boolean;
  readonly originUnreadable: boolean;
}

/**
 * Recovers every segment of a log directory into `index` (segment ids = positions in `opened`):
 * removes stale temporary files and a torn trailing segment, verifies the tail fully (truncating it
 * at the first bad batch), header-walks sealed segments (or verifies them, with `verifyAll`), and
 * collects the origin marks of the accepted batches.
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
  const scanned: ScannedSegment[] = [];
  for (let s = 0; s < bases.length; s++) {
    const isLast = s === bases.length - 1;
    const path = segmentPath(dir, bases[s]);
    const { parsed: header, fileBytes } = readSegmentHeader(path);
    if (typeof header === 'string') throw new DbError('SEGMENT_CORRUPT', `${path}: ${header}`, { path });
    if (header.baseSn !== bases[s]) {
      throw new DbError('SEGMENT_CORRUPT', `${path}: header says base sn ${header.baseSn}, file name says ${bases[s]}`, { path });
    }
    const previous = scanned[scanned.length - 1]?.segment;
    if (previous !== undefined && previous.endSn !== header.baseSn) {
      // The header walk of the previous segment disagrees with this header: verify it fully.
      const firstId = index.endId - countEntries(index, scanned.length - 1);
      index.truncateFrom(firstId);
      for (let c = cuts.length - 1; c >= 0; c--) if (cuts[c].segment === previous.path) cuts.splice(c, 1);
      const redo = scanOne(previous.path, scanned.length - 1, true, false, index, cuts);
      scanned[scanned.length - 1] = redo;
      if (redo.segment.endSn !== header.baseSn && !cuts.some((c) => c.segment === previous.path)) {
        cuts.push({
          segment: previous.path,
          offset: redo.segment.bytes,
          bytesCut: 0,
          reason: `sn gap: segment ends at sn ${redo.segment.endSn}, the next one begins at ${header.baseSn}`,
          truncated: false,
        });
      }
    }
    scanned.push(scanOne(path, scanned.length, isLast || verifyAll, isLast, index, cuts, fileBytes));
  }
  const opened = scanned.map((s) => s.segment);
  const { origins, trusted } = mergeOrigins(scanned);
  if (!trusted && !verifyAll) {
    // Rebuild from verified batches only. The first pass already truncated the tail and removed
    // stale files; keep its reports of those, and take the rest from the verified pass.
    index.truncateFrom(index.firstId);
    const again = recoverSegments(dir, true, index);
    return {
      ...again,
      cuts: [...cuts.filter((c) => c.truncated), ...again.cuts],
      removedFiles: [...removedFiles, ...again.removedFiles],
      originsReverified: true,
    };
  }
  const rows = opened.reduce((sum, segment) => sum + (segment.endSn - segment.baseSn), 0);
  return { opened, cuts, removedFiles, batches: index.size, rows, origins, originsReverified: false };
}

/**
 * Merges the per-segment origins in log order into one mark per key, and says whether they can be
 * trusted: every key's ranges increase strictly across the whole log, every origin parsed, and the
 * last batch of each key is CRC-verified (re-read here when its segment was only header-walked).
 */
function mergeOrigins(scanned: readonly ScannedSegment[]): { origins: OriginHighWaterMark[]; trusted: boolean } {
  interface Merged {
    readonly first: SegmentOrigin;
    last: SegmentOrigin;
    segment: number;
    maxLastSn: number;
    ordered: boolean;
  }
  const merged = new Map<string, Merged>();
  let trusted = true;
  for (let s = 0; s < scanned.length; s++) {
    if (scanned[s].originUnreadable) trusted = false;
    for (const [key, o] of scanned[s].origins) {
      const m = merged.get(key);
      if (m === undefined) merged.set(key, { first: o, last: o, segment: s, maxLastSn: o.maxLastSn, ordered: o.ordered });
      else {
        m.ordered = m.ordered && o.ordered && o.firstSn > m.last.lastSn;
        m.last = o;
        m.segment = s;
        m.maxLastSn = Math.max(m.maxLastSn, o.maxLastSn);
      }
    }
  }
  const origins: OriginHighWaterMark[] = [];
  for (const m of merged.values()) {
    if (!m.ordered) trusted = false;
    else if (trusted && !scanned[m.segment].verified && !lastBatchChecksOut(scanned[m.segment].segment.path, m.last)) trusted = false;
    origins.push({ nodeId: m.first.nodeId, taskId: m.first.taskId, lane: m.first.lane, lastSn: m.maxLastSn });
  }
  return { origins, trusted };
}

/** Reads and CRC-verifies the batch that set a key's mark in a header-walked segment; checks its origin. */
function lastBatchChecksOut(path: string, o: SegmentOrigin): boolean {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafeSlow(o.byteLength);
    let got = 0;
    while (got < o.byteLength) {
      const n = readSync(fd, bytes, got, o.byteLength - got, o.offset + got);
      if (n === 0) return false;
      got += n;
    }
    verifyBatch(bytes, 0);
    const origin = decodeBatchHeader(bytes, 0).origin;
    return origin !== null && origin.nodeId === o.nodeId && origin.taskId === o.taskId && origin.lane === o.lane && origin.lastSn === o.lastSn;
  } catch (error) {
    if (isDbError(error, 'BATCH_CORRUPT')) return false;
    throw error;
  } finally {
    closeSync(fd);
  }
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
): ScannedSegment {
  const fd = openSync(path, truncate ? 'r+' : 'r');
  try {
    const fileBytes = knownBytes ?? fstatSync(fd).size;
    const header = readSegmentHeader(path).parsed;
    if (typeof header === 'string') throw new DbError('SEGMENT_CORRUPT', `${path}: ${header}`, { path });
    let lastAppendMs = header.createdAtMs;
    const origins = new Map<string, SegmentOrigin>();
    const scan = scanSegment(fd, fileBytes, header.baseSn, verify, (b) => {
      index.push(b.baseSn, b.rowCount, b.minTimeMs, b.maxTimeMs, b.appendTimeMs, segmentId, b.offset, b.byteLength);
      lastAppendMs = b.appendTimeMs;
      if (b.origin !== null) noteOrigin(origins, b.origin, b.offset, b.byteLength);
    });
    if (scan.damage !== null) {
      if (truncate) {
        ftruncateSync(fd, scan.validBytes);
        fsyncSync(fd);
      }
      const reason = scan.damage.reason.replace(/ \(batch at byte \d+\)$/, '');
      cuts.push({ segment: path, offset: scan.damage.offset, bytesCut: fileBytes - scan.validBytes, reason, truncated: truncate });
    }
    return {
      segment: { baseSn: header.baseSn, path, bytes: scan.validBytes, endSn: scan.endSn, lastAppendMs },
      origins,
      verified: verify,
      originUnreadable: scan.originUnreadable,
    };
  } finally {
    closeSync(fd);
  }
}

function noteOrigin(origins: Map<string, SegmentOrigin>, origin: Origin, offset: number, byteLength: number): void {
  const key = originKey(origin.nodeId, origin.taskId, origin.lane);
  const seen = origins.get(key);
  if (seen === undefined) {
    origins.set(key, { ...origin, maxLastSn: origin.lastSn, offset, byteLength, ordered: true });
    return;
  }
  if (origin.firstSn <= seen.lastSn) seen.ordered = false;
  seen.lastSn = origin.lastSn;
  seen.maxLastSn = Math.max(seen.maxLastSn, origin.lastSn);
  seen.offset = offset;
  seen.byteLength = byteLength;
}

// StreamLog: the durable, append-only log of one stream. It owns the stream's directory (segment
// files, consumers.json), assigns `_tp_sn`, group-commits appends, serves scans, seeks and
// tail-follow reads from an in-memory sparse index, and applies retention and the backlog policy.
//
// Order of a group commit (see docs/ordering.md): sns are assigned when an append is queued, in
// queue order; the writer takes the queued batches, writes them with one writev at the end of the
// active segment, then (fsync=always) one fdatasync; only after that are they added to the index
// (so readers see only durable batches), and only then are their appends resolved. A failed write
// truncates the segment back, rejects the group and everything queued behind it, and rewinds the
// next sn, so sns stay dense.
//
// Exactly-once by origin (receiver side; see docs/ordering.md "Origins and dedupe"): a batch may carry
// an Origin (node id, task id, lane, source sn range [firstSn, lastSn]). Per origin key (node id,
// task id, lane) the log keeps the highest lastSn it has made durable, the high-water mark (HWM),
// and while batches of the key are queued, a pending HWM (the highest queued lastSn). An append with
// an origin is decided against them when it is queued, with no await between the check and the
// queueing (so two racing appends of one range store it once):
//   - lastSn <= HWM: a replay. Acknowledged without being stored, as
//     { firstSn: nextSn, endSn: nextSn, duplicate: true }.
//   - firstSn <= HWM < lastSn: the batch straddles the mark; ORIGIN_OVERLAP, nothing changes.
//   - firstSn <= pending HWM: it overlaps a batch still queued. It waits until that batch (and so
//     every earlier one of the key) is settled, then is decided again: if the earlier write failed,
//     the pending HWM is gone (a failed write rejects everything queued) and the replay is stored.
//   - otherwise it is queued, and raises the pending HWM; lanes pipeline without waiting.
// The HWM advances in the group commit right after the batch is durable (after fdatasync under
// fsync=always) and before its append resolves, together with the index. Batches without an origin
// take none of these steps. Different keys never affect each other (a second task over the same
// source stream has its own key). origin.firstSn > origin.lastSn is refused as bad input (by the
// codec: INVALID_ARGUMENT from append, BATCH_CORRUPT from appendEncoded). A new key beyond
// ORIGINS_PER_STREAM_MAX is refused with LIMIT_EXCEEDED; keys are never forgotten.
// The HWMs live with the data: at open they are rebuilt from the origins in the batch headers that
// recovery accepted (a cut torn batch does not count), max-merged over `origins.json`, which holds the
// whole map as it was before retention last deleted a segment (written atomically, after syncing
// the active segment, before the unlink). See origins.ts.
//
// Invariants: `_tp_sn` is dense from the first retained row to nextSn; the index holds exactly the
// batches on disk that recovery accepted or a group commit made durable; the active segment is the
// only one ever written; retention deletes only sealed segments; per origin key, stored origin
// ranges increase strictly in sn order, and the HWM is the lastSn of the last of them.
import { open, type FileHandle } from 'node:fs/promises';
import { mkdirSync, readSync, unlinkSync } from 'node:fs';
import { DbError, ioError } from '../../core/errors.ts';
import { type Clock, systemClock } from '../../core/clock.ts';
import { APPEND_QUEUE_BYTES_MAX, GROUP_COMMIT_BYTES_MAX, ORIGINS_PER_STREAM_MAX, SCAN_READ_BYTES, checkLimit } from '../../core/limits.ts';
import type { Batch, Origin } from '../../types/batch.ts';
import { type BatchHeader, decodeBatch, decodeBatchHeader, encodeBatch, verifyBatch, stampBatch } from '../../types/batch-codec.ts';
import { ConsumerRegistry } from './consumers.ts';
import { LogIndex } from './log-index.ts';
import { type LogSettings, LOG_SETTINGS_DEFAULT, checkLogSettings } from './log-settings.ts';
import { type OriginHighWaterMark, OriginMarks, describeOriginKey, originKey } from './origins.ts';
import { type RecoveryCut, recoverSegments } from './recovery.ts';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, segmentPath } from './segment-file.ts';
import { writeBuffers } from './write-buffers.ts';

const takeWriteBuffer = (length: number): Uint8Array => writeBuffers.take(length);

export interface StreamLogOptions {
  readonly dir: string;
  /** Shown in errors and logs, e.g. `default.sensors`. */
  readonly name?: string;
  readonly settings?: Partial<LogSettings>;
  readonly clock?: Clock;
  /** 'tail' (default) verifies every batch of the last segment at open; 'all' verifies every segment. */
  readonly verify?: 'tail' | 'all';
}

export interface AppendResult {
  readonly firstSn: number;
  /** One past the last sn (firstSn + rowCount). */
  readonly endSn: number;
  /** The batch's origin range was already stored (at or below the high-water mark): acknowledged,
   *  not stored again; firstSn = endSn = the log's next sn. Absent for stored batches. */
  readonly duplicate?: boolean;
}

export type { RecoveryCut } from './recovery.ts';
export type { OriginHighWaterMark } from './origins.ts';

export interface RecoveryReport {
  readonly segments: number;
  readonly batches: number;
  readonly rows: number;
  readonly cuts: readonly RecoveryCut[];
  readonly removedFiles: readonly string[];
}

export interface ReadOptions {
  /** Start at the batch holding this sn (the record's startRow points at the row itself). */
  readonly fromSn?: number;
  /** Start at the first batch that may hold an event time >= this. */
  readonly fromTimeMs?: number;
  /** Start at the first batch appended at or after this. */
  readonly fromAppendTimeMs?: number;
  /** Skip batches whose event-time range lies wholly outside [minTimeMs, maxTimeMs]. */
  readonly minTimeMs?: number;
  readonly maxTimeMs?: number;
  /** Keep reading: wait at the end for new appends (until close or abort). Without it, the read ends
   *  at the end of the log as it was when the read began. With no start option, a following read
   *  starts at the tail; a bounded one at the oldest retained batch. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
  /** Called when retention dropped rows the reader had not reached; without it the read fails with POSITION_DROPPED. */
  readonly onGap?: (fromSn: number, toSn: number) => void;
  /** Yield the encoded bytes only (batch is null): for shipping batches as stored. */
  readonly raw?: boolean;
}

export interface LogRecord {
  readonly header: BatchHeader;
  readonly batch: Batch | null;
  readonly bytes: Uint8Array;
  /** Index of the first row at or after the requested fromSn (0 except in the first batch of a sn seek). */
  readonly startRow: number;
}

export interface LogStats {
  readonly firstSn: number;
  readonly nextSn: number;
  readonly batches: number;
  readonly segments: number;
  readonly bytes: number;
  readonly appendedRows: number;
  readonly appendedBytes: number;
  readonly groupCommits: number;
  readonly fsyncs: number;
  readonly droppedRows: number;
  readonly backlogBytes: number;
}

interface Segment {
  readonly baseSn: number;
  readonly path: string;
  readonly handle: FileHandle;
  bytes: number;
  endSn: number;
  lastAppendMs: number;
  readers: number;
  deleted: boolean;
}

interface PendingAppend {
  readonly bytes: Uint8Array;
  readonly baseSn: number;
  readonly rowCount: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly appendTimeMs: number;
  /** The batch's origin and its originKey(), or null for a batch without one. */
  readonly origin: Origin | null;
  readonly originKey: string | null;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A run of adjacent batches of one segment read with one read call: ids [id, runEnd), bytes from startOffset. */
interface PlannedRun {
  readonly id: number;
  readonly runEnd: number;
  readonly runBytes: number;
  readonly startOffset: number;
  readonly segment: Segment;
}

/** The queued (not yet durable) batches of one origin key: the highest lastSn and the last append. */
interface PendingOrigin {
  readonly hwm: number;
  readonly last: Promise<AppendResult>;
}

/**
 * Reads up to this many bytes are made with a synchronous read(2) on the event loop instead of a
 * libuv threadpool request. A point query reads one small batch that sits in the page cache: the copy
 * takes microseconds, but the hop to a pool thread and back cost 1–4 ms at the p99 on a busy host.
 * Bounded so that a read from a cold disk can stall the loop for one small read at most; larger
 * reads (scans) stay asynchronous.
 */
export const SCAN_SYNC_READ_BYTES_MAX = 64 * 1024;

export class StreamLog {
  readonly dir: string;
  readonly name: string;
  readonly settings: LogSettings;
  readonly recovery: RecoveryReport;
  private readonly clock: Clock;
  private readonly index: LogIndex;
  /** Live segments in sn order; segment ids in the index are `firstSegmentId + position`. */
  private readonly segments: Segment[];
  private firstSegmentId = 0;
  private readonly consumers: ConsumerRegistry;
  /** Durable origin high-water marks. */
  private readonly origins: OriginMarks;
  /** Origin keys with queued, not yet durable batches; emptied when a failed write rejects the queue. */
  private readonly pendingOrigins = new Map<string, PendingOrigin>();
  private nextSnValue: number;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | null = null;
  private closed = false;
  private failed: DbError | null = null;
  private changeWaiters: (() => void)[] = [];
  private queueWaiters: (() => void)[] = [];
  /** The last admission in line (admitInTurn). */
  private admitTail: Promise<void> = Promise.resolve();
  private dirtySinceSync = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private stats = { appendedRows: 0, appendedBytes: 0, groupCommits: 0, fsyncs: 0, droppedRows: 0 };

  private constructor(
    options: StreamLogOptions,
    index: LogIndex,
    segments: Segment[],
    consumers: ConsumerRegistry,
    origins: OriginMarks,
    recovery: RecoveryReport,
  ) {
    this.index = index;
    this.origins = origins;
    this.dir = options.dir;
    this.name = options.name ?? options.dir;
    this.settings = { ...LOG_SETTINGS_DEFAULT, ...options.settings };
    this.clock = options.clock ?? systemClock;
    this.segments = segments;
    this.consumers = consumers;
    this.recovery = recovery;
    this.nextSnValue = segments[segments.length - 1].endSn;
  }

  // -------------------------------------------------------------------------------------------
  // Opening and recovery

  static async open(options: StreamLogOptions): Promise<StreamLog> {
    const settings: LogSettings = { ...LOG_SETTINGS_DEFAULT, ...options.settings };
    checkLogSettings(settings);
    const clock = options.clock ?? systemClock;
    mkdirSync(options.dir, { recursive: true });
    const index = new LogIndex();
    const { opened, cuts, removedFiles, batches, rows, origins: recoveredOrigins } = recoverSegments(options.dir, options.verify === 'all', index);
    // After recovery (which removed a stale origins.json.tmp): the file's marks, raised by the headers.
    const origins = OriginMarks.load(options.dir);
    for (const o of recoveredOrigins) origins.advance(originKey(o.nodeId, o.taskId, o.lane), o.nodeId, o.taskId, o.lane, o.lastSn);
    if (opened.length === 0) {
      const baseSn = 0;
      const path = segmentPath(options.dir, baseSn);
      await createSegmentFile(path, baseSn, clock.nowMs(), options.dir);
      opened.push({ baseSn, path, bytes: SEGMENT_HEADER_BYTES, endSn: baseSn, lastAppendMs: clock.nowMs() });
    }
    const segments: Segment[] = [];
    try {
      for (const s of opened) segments.push({ ...s, handle: await open(s.path, 'r+'), readers: 0, deleted: false });
    } catch (error) {
      for (const s of segments) await s.handle.close();
      throw ioError(`opening segments of ${options.dir}`, error);
    }
    const consumers = ConsumerRegistry.load(options.dir);
    const log = new StreamLog(options, index, segments, consumers, origins, { segments: segments.length, batches, rows, cuts, removedFiles });
    log.startSyncTimer();
    return log;
  }

  // -------------------------------------------------------------------------------------------
  // Appending

  get nextSn(): number {
    return this.nextSnValue;
  }

  /** The sn of the oldest retained row. */
  get firstSn(): number {
    return this.index.size > 0 ? this.index.get(this.index.firstId).baseSn : this.segments[0].baseSn;
  }

  /**
   * Appends a batch; resolves with its sn range once it is durable (per the fsync policy). With an
   * origin, a replay of a stored range resolves with `duplicate: true` and stores nothing, and a
   * range straddling the origin's high-water mark fails with ORIGIN_OVERLAP (module comment).
   */
  async append(batch: Batch, options: { origin?: Origin | null } = {}): Promise<AppendResult> {
    this.checkOpen();
    const origin = options.origin ?? null;
    const bytes = encodeBatch(batch, { baseSn: 0, appendTimeMs: this.clock.nowMs(), origin, allocate: takeWriteBuffer });
    if (origin === null) return this.enqueue(bytes, batch.rowCount);
    return this.enqueueWithOrigin(bytes, batch.rowCount, origin);
  }

  /**
   * Appends a batch that arrived encoded (from the wire): it is checked, then stored as is except
   * for the header's sn and append time, which the log assigns (the CRC is recomputed).
   */
  async appendEncoded(bytes: Uint8Array): Promise<AppendResult> {
    this.checkOpen();
    const length = verifyBatch(bytes, 0);
    if (length !== bytes.length) throw new DbError('BATCH_CORRUPT', `${bytes.length} bytes given, batch is ${length}`);
    decodeBatch(bytes, 0); // full structural check: a corrupt batch is never stored
    const own = writeBuffers.take(length, false); // every byte set below
    own.set(bytes);
    const header = decodeBatchHeader(own, 0);
    if (header.origin === null) return this.enqueue(own, header.rowCount);
    return this.enqueueWithOrigin(own, header.rowCount, header.origin);
  }

  /** Queues an encoded batch without an origin. */
  private async enqueue(bytes: Uint8Array, rowCount: number): Promise<AppendResult> {
    await this.admitInTurn(bytes.length);
    this.checkOpen();
    return this.push(bytes, rowCount, null, null);
  }

  /**
   * Queues an encoded batch with an origin, or acknowledges it as a duplicate, or refuses it
   * (ORIGIN_OVERLAP, LIMIT_EXCEEDED); see the module comment. The decision and the push run with no
   * await between them.
   */
  private async enqueueWithOrigin(bytes: Uint8Array, rowCount: number, origin: Origin): Promise<AppendResult> {
    const key = originKey(origin.nodeId, origin.taskId, origin.lane);
    for (;;) {
      await this.admitInTurn(bytes.length);
      this.checkOpen();
      const queued = this.pendingOrigins.get(key);
      if (queued !== undefined && origin.firstSn <= queued.hwm) {
        // Overlaps a batch of this key that is not durable yet: its outcome decides. Writes settle in
        // queue order, so once the last queued one settled, every earlier one has too.
        await queued.last.catch(() => undefined);
        // Settled, so no longer pending whatever the outcome (the write path already removed it).
        if (this.pendingOrigins.get(key) === queued) this.pendingOrigins.delete(key);
        continue;
      }
      const hwm = this.origins.highWaterMark(key);
      if (origin.lastSn <= hwm) return { firstSn: this.nextSnValue, endSn: this.nextSnValue, duplicate: true };
      if (origin.firstSn <= hwm) {
        throw new DbError(
          'ORIGIN_OVERLAP',
          `stream ${this.name}: ${describeOriginKey(origin.nodeId, origin.taskId, origin.lane)} has stored source sns up to ${hwm} ` +
            `(high-water mark), and the batch covers [${origin.firstSn}, ${origin.lastSn}]: a replay must resend the same ranges`,
          { nodeId: origin.nodeId, taskId: origin.taskId, lane: origin.lane, highWaterMark: hwm, firstSn: origin.firstSn, lastSn: origin.lastSn },
        );
      }
      if (queued === undefined && !this.origins.has(key)) this.checkOriginKeyRoom();
      const result = this.push(bytes, rowCount, origin, key);
      this.pendingOrigins.set(key, { hwm: origin.lastSn, last: result });
      return result;
    }
  }

  /** LIMIT_EXCEEDED when one more origin key would pass ORIGINS_PER_STREAM_MAX. */
  private checkOriginKeyRoom(): void {
    if (this.origins.size + this.pendingOrigins.size < ORIGINS_PER_STREAM_MAX) return;
    let keys = this.origins.size;
    for (const key of this.pendingOrigins.keys()) if (!this.origins.has(key)) keys++;
    checkLimit('ORIGINS_PER_STREAM_MAX', ORIGINS_PER_STREAM_MAX, keys + 1, `origin key count (node id, task id, lane) of stream ${this.name}`);
  }

  /**
   * Queues an admitted batch (its CRC valid: encoded here or verified from the wire): stamps its sn
   * and append time into the header and patches the CRC (stampBatch).
   */
  private push(bytes: Uint8Array, rowCount: number, origin: Origin | null, key: string | null): Promise<AppendResult> {
    const baseSn = this.nextSnValue;
    const appendTimeMs = this.clock.nowMs();
    stampBatch(bytes, baseSn, appendTimeMs);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.nextSnValue += rowCount;
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({
        bytes,
        baseSn,
        rowCount,
        minTimeMs: view.getFloat64(32, true),
        maxTimeMs: view.getFloat64(40, true),
        appendTimeMs,
        origin,
        originKey: key,
        resolve,
        reject,
      });
      this.pendingBytes += bytes.length;
      if (this.writing === null) this.writing = this.writeLoop();
    });
  }

  /** Waits for queue room (APPEND_QUEUE_BYTES_MAX) and, under the block policy, for backlog room. */
  /**
   * Admission in call order: an append waits behind every earlier one still waiting for room, so
   * batches are queued (and get their sns) in the order append() was called. A sender relies on
   * this when it pipelines one lane's batches: a smaller later batch overtaking a larger earlier
   * one would move the lane's high-water mark past the earlier batch, which would then be taken
   * for a replay.
   */
  private admitInTurn(bytes: number): Promise<void> {
    const turn = this.admitTail.then(() => this.admit(bytes));
    this.admitTail = turn.catch(() => undefined);
    return turn;
  }

  private async admit(bytes: number): Promise<void> {
    while (this.pendingBytes > 0 && this.pendingBytes + bytes > APPEND_QUEUE_BYTES_MAX) {
      await new Promise<void>((resolve) => this.queueWaiters.push(resolve));
      this.checkOpen();
    }
    const { maxBacklogBytes, backlogPolicy, blockTimeoutMs } = this.settings;
    if (maxBacklogBytes === 0 || this.consumers.size === 0) return;
    if (backlogPolicy === 'drop_oldest') {
      if (this.backlogBytes() + bytes > maxBacklogBytes) await this.runRetention();
      return;
    }
    const deadline = this.clock.nowMs() + blockTimeoutMs;
    while (this.backlogBytes() + bytes > maxBacklogBytes) {
      await this.runRetention();
      if (this.backlogBytes() + bytes <= maxBacklogBytes) break;
      const left = deadline - this.clock.nowMs();
      if (left <= 0) {
        throw new DbError(
          'BACKLOG_FULL',
          `stream ${this.name}: unread backlog is ${this.backlogBytes()} bytes, over max_backlog_bytes (${maxBacklogBytes}); ` +
            `slowest consumer at sn ${this.consumers.minPosition()}; waited ${blockTimeoutMs} ms (backlog_policy 'block')`,
          { backlogBytes: this.backlogBytes(), maxBacklogBytes },
        );
      }
      await Promise.race([this.clock.sleep(Math.min(left, 50)), this.nextChange()]);
      this.checkOpen();
    }
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failedOrClosedHard()) await this.writeGroup();
    } finally {
      this.writing = null;
    }
  }

  private failedOrClosedHard(): boolean {
    return this.failed !== null;
  }

  private async writeGroup(): Promise<void> {
    let active = this.segments[this.segments.length - 1];
    const first = this.pending[0];
    if (active.bytes > SEGMENT_HEADER_BYTES && active.bytes + first.bytes.length > this.settings.segmentBytes) {
      try {
        active = await this.rollSegment(first.baseSn);
      } catch (error) {
        this.failQueued(ioError(`creating a segment in ${this.dir}`, error));
        return;
      }
    }
    let groupBytes = 0;
    let count = 0;
    while (count < this.pending.length) {
      const next = this.pending[count].bytes.length;
      if (count > 0 && (groupBytes + next > GROUP_COMMIT_BYTES_MAX || active.bytes + groupBytes + next > this.settings.segmentBytes)) break;
      groupBytes += next;
      count++;
    }
    const group = this.pending.splice(0, count);
    this.pendingBytes -= groupBytes;
    for (const wake of this.queueWaiters.splice(0)) wake();
    const position = active.bytes;
    try {
      const { bytesWritten } = await active.handle.writev(group.map((p) => p.bytes), position);
      if (bytesWritten !== groupBytes) throw new Error(`short write: ${bytesWritten} of ${groupBytes} bytes`);
      if (this.settings.fsync === 'always') {
        await active.handle.datasync();
        this.stats.fsyncs++;
      } else this.dirtySinceSync = true;
    } catch (error) {
      // Undo: cut the segment back and rewind sns over this group and everything queued behind it.
      const failure = ioError(`writing ${this.name}`, error);
      try {
        await active.handle.truncate(position);
      } catch {
        this.failed = failure;
      }
      for (const p of group) p.reject(failure);
      this.failQueued(failure);
      return;
    }
    const segmentId = this.firstSegmentId + this.segments.length - 1;
    let offset = position;
    for (const p of group) {
      this.index.push(p.baseSn, p.rowCount, p.minTimeMs, p.maxTimeMs, p.appendTimeMs, segmentId, offset, p.bytes.length);
      offset += p.bytes.length;
      this.stats.appendedRows += p.rowCount;
      this.stats.appendedBytes += p.bytes.length;
      if (p.originKey !== null) this.originDurable(p.originKey, p.origin!);
    }
    const last = group[group.length - 1];
    active.bytes = offset;
    active.endSn = last.baseSn + last.rowCount;
    active.lastAppendMs = last.appendTimeMs;
    this.stats.groupCommits++;
    this.notifyChange();
    for (const p of group) {
      writeBuffers.give(p.bytes); // written: the log was its only holder
      p.resolve({ firstSn: p.baseSn, endSn: p.baseSn + p.rowCount });
    }
  }

  /** A batch with an origin is durable: raise the key's HWM; drop its pending HWM when this was the last queued. */
  private originDurable(key: string, origin: Origin): void {
    this.origins.advance(key, origin.nodeId, origin.taskId, origin.lane, origin.lastSn);
    const queued = this.pendingOrigins.get(key);
    if (queued !== undefined && queued.hwm <= origin.lastSn) this.pendingOrigins.delete(key);
  }

  /** Rejects every queued append and rewinds nextSn to the end of what is on disk. */
  private failQueued(error: DbError): void {
    const queued = this.pending.splice(0);
    this.pendingBytes = 0;
    // Nothing is queued any more: pending HWMs fall back to the durable ones.
    this.pendingOrigins.clear();
    this.nextSnValue = this.segments[this.segments.length - 1].endSn;
    for (const p of queued) p.reject(error);
    for (const wake of this.queueWaiters.splice(0)) wake();
  }

  private async rollSegment(baseSn: number): Promise<Segment> {
    const sealed = this.segments[this.segments.length - 1];
    if (this.settings.fsync !== 'never') {
      await sealed.handle.datasync();
      this.stats.fsyncs++;
    }
    const path = segmentPath(this.dir, baseSn);
    const createdAtMs = this.clock.nowMs();
    await createSegmentFile(path, baseSn, createdAtMs, this.dir);
    const segment: Segment = {
      baseSn,
      path,
      handle: await open(path, 'r+'),
      bytes: SEGMENT_HEADER_BYTES,
      endSn: baseSn,
      lastAppendMs: createdAtMs,
      readers: 0,
      deleted: false,
    };
    this.segments.push(segment);
    queueMicrotask(() => void this.runRetention().catch(() => undefined));
    return segment;
  }

  private startSyncTimer(): void {
    if (this.settings.fsync !== 'interval') return;
    this.syncTimer = setInterval(() => void this.syncNow().catch(() => undefined), this.settings.fsyncIntervalMs);
    this.syncTimer.unref();
  }

  /** Forces written data to disk now (the fsync=interval tick; also used by close). */
  async syncNow(): Promise<void> {
    if (!this.dirtySinceSync) return;
    this.dirtySinceSync = false;
    await this.segments[this.segments.length - 1].handle.datasync();
    this.stats.fsyncs++;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Reads batches in sn order; see ReadOptions. Every yielded batch passed its CRC check. */
  async *read(options: ReadOptions = {}): AsyncGenerator<LogRecord> {
    this.checkOpen();
    let id: number;
    if (options.fromSn !== undefined) id = this.index.findBySn(options.fromSn);
    else if (options.fromTimeMs !== undefined) id = this.index.findByTime(options.fromTimeMs);
    else if (options.fromAppendTimeMs !== undefined) id = this.index.findByAppendTime(options.fromAppendTimeMs);
    else id = options.follow === true ? this.index.endId : this.index.firstId;
    const endLimit = options.follow === true ? Infinity : this.index.endId;
    const minTime = options.minTimeMs ?? -Infinity;
    const maxTime = options.maxTimeMs ?? Infinity;
    const timeFiltered = minTime !== -Infinity || maxTime !== Infinity;
    let expectedSn = options.fromSn ?? -1;
    if (options.fromSn !== undefined && options.fromSn < this.firstSn) {
      this.reportGap(options, options.fromSn, this.firstSn);
      expectedSn = this.firstSn;
    }
    /** The read started for the run expected next (see read-ahead below), or null. */
    let ahead: { segment: Segment; startOffset: number; runBytes: number; buffer: Promise<Uint8Array> } | null = null;
    while (id < endLimit) {
      options.signal?.throwIfAborted();
      if (this.closed) return;
      if (id < this.index.firstId) {
        const gapFrom = expectedSn >= 0 ? expectedSn : 0;
        id = this.index.firstId;
        this.reportGap(options, gapFrom, this.firstSn);
        expectedSn = this.firstSn;
      }
      if (id >= this.index.endId) {
        if (options.follow !== true) return;
        await this.waitForChange(options.signal);
        continue;
      }
      // One read covers a run of wanted batches that sit next to each other in one segment.
      const stop = Math.min(this.index.endId, endLimit);
      const run = this.planRun(id, stop, timeFiltered, minTime, maxTime);
      if (run === null) {
        // No wanted batch left in this segment: skip the unwanted ones, then go on from the next.
        while (timeFiltered && id < stop && !this.index.timeRangeOverlaps(id, minTime, maxTime)) id++;
        continue;
      }
      id = run.id;
      const { runEnd, runBytes, startOffset, segment } = run;
      const entries: { length: number; at: number }[] = [];
      for (let e = id; e < runEnd; e++) entries.push({ length: this.index.byteLengthOf(e), at: this.index.offsetOf(e) - startOffset });
      let reading: Promise<Uint8Array>;
      if (ahead !== null && ahead.segment === segment && ahead.startOffset === startOffset && ahead.runBytes === runBytes) reading = ahead.buffer;
      else reading = this.readRange(segment, startOffset, runBytes);
      ahead = null;
      // Read-ahead: the next run's read (a threadpool request for a large run) starts now, so the
      // disk or page-cache copy overlaps the decoding and processing of this run's batches.
      const following: PlannedRun | null = runBytes > SCAN_SYNC_READ_BYTES_MAX && runEnd < stop ? this.planRun(runEnd, stop, timeFiltered, minTime, maxTime) : null;
      if (following !== null && following.runBytes > SCAN_SYNC_READ_BYTES_MAX) {
        const started = this.readRange(following.segment, following.startOffset, following.runBytes);
        started.catch(() => undefined); // a read-ahead that is never used must not be an unhandled rejection
        ahead = { segment: following.segment, startOffset: following.startOffset, runBytes: following.runBytes, buffer: started };
      }
      const buffer = await reading;
      for (const entry of entries) {
        const bytes = buffer.subarray(entry.at, entry.at + entry.length);
        let header: BatchHeader;
        let batch: Batch | null = null;
        try {
          if (options.raw === true) {
            verifyBatch(bytes, 0);
            header = decodeBatchHeader(bytes, 0);
          } else {
            const decoded = decodeBatch(bytes, 0);
            header = decoded.header;
            batch = decoded.batch;
          }
        } catch (error) {
          throw new DbError('SEGMENT_CORRUPT', `${segment.path} at byte ${startOffset + entry.at}: ${(error as Error).message}`, {}, { cause: error });
        }
        // Rows missing between two batches (damage recovery reported at open) are a gap, never skipped silently.
        if (!timeFiltered && expectedSn >= 0 && header.baseSn > expectedSn) this.reportGap(options, expectedSn, header.baseSn);
        const startRow = expectedSn > header.baseSn ? Math.min(expectedSn - header.baseSn, header.rowCount) : 0;
        expectedSn = header.baseSn + header.rowCount;
        yield { header, batch, bytes, startRow };
      }
      id = runEnd;
    }
  }

  /**
   * The run of batches one read covers from `id` on: the first batch at or after `id` in `id`'s
   * segment that the time range wants, then the following wanted batches of that segment up to
   * SCAN_READ_BYTES. Null when no batch of the segment before `stop` is wanted.
   */
  private planRun(
    from: number,
    stop: number,
    timeFiltered: boolean,
    minTime: number,
    maxTime: number,
  ): PlannedRun | null {
    let id = from;
    if (id >= stop) return null;
    const segmentId = this.index.segmentOf(id);
    while (timeFiltered && id < stop && !this.index.timeRangeOverlaps(id, minTime, maxTime)) id++;
    if (id >= stop || this.index.segmentOf(id) !== segmentId) return null;
    let runEnd = id + 1;
    let runBytes = this.index.byteLengthOf(id);
    while (
      runEnd < stop &&
      this.index.segmentOf(runEnd) === segmentId &&
      runBytes + this.index.byteLengthOf(runEnd) <= SCAN_READ_BYTES &&
      (!timeFiltered || this.index.timeRangeOverlaps(runEnd, minTime, maxTime))
    ) {
      runBytes += this.index.byteLengthOf(runEnd);
      runEnd++;
    }
    return { id, runEnd, runBytes, startOffset: this.index.offsetOf(id), segment: this.segments[segmentId - this.firstSegmentId] };
  }

  private reportGap(options: ReadOptions, fromSn: number, toSn: number): void {
    if (fromSn >= toSn) return;
    if (options.onGap === undefined) {
      throw new DbError('POSITION_DROPPED', `stream ${this.name}: rows [${fromSn}, ${toSn}) were removed by retention`, { fromSn, toSn });
    }
    options.onGap(fromSn, toSn);
  }

  private async readRange(segment: Segment, position: number, length: number): Promise<Uint8Array> {
    // A fresh, unshared buffer: decoded vectors view it in place, 8-aligned. Not zero-filled: the loop
    // below fills every byte or throws (the memset cost ~5% of a scan's time).
    const unfilled = Buffer.allocUnsafeSlow(length);
    const buffer = new Uint8Array(unfilled.buffer, unfilled.byteOffset, length);
    segment.readers++;
    try {
      let got = 0;
      while (got < length) {
        const bytesRead =
          length <= SCAN_SYNC_READ_BYTES_MAX
            ? readSync(segment.handle.fd, buffer, got, length - got, position + got)
            : (await segment.handle.read(buffer, got, length - got, position + got)).bytesRead;
        if (bytesRead === 0) throw new DbError('SEGMENT_CORRUPT', `${segment.path}: unexpected end of file at ${position + got}`);
        got += bytesRead;
      }
    } finally {
      segment.readers--;
      if (segment.deleted && segment.readers === 0) await segment.handle.close().catch(() => undefined);
    }
    return buffer;
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => this.changeWaiters.push(resolve));
  }

  private async waitForChange(signal?: AbortSignal): Promise<void> {
    if (signal === undefined) return this.nextChange();
    signal.throwIfAborted();
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.nextChange(), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private notifyChange(): void {
    for (const wake of this.changeWaiters.splice(0)) wake();
  }

  // -------------------------------------------------------------------------------------------
  // Consumers, retention, backlog

  async registerConsumer(id: string, position: number): Promise<void> {
    this.checkOpen();
    await this.consumers.register(id, Math.max(position, this.firstSn));
  }

  async unregisterConsumer(id: string): Promise<boolean> {
    this.checkOpen();
    const removed = await this.consumers.unregister(id);
    this.notifyChange();
    return removed;
  }

  /** Records that consumer `id` no longer needs rows below `position`. */
  commitConsumer(id: string, position: number): void {
    this.checkOpen();
    this.consumers.commit(id, position);
    this.notifyChange();
  }

  consumer(id: string): { position: number; droppedRows: number } | undefined {
    const state = this.consumers.get(id);
    return state === undefined ? undefined : { ...state };
  }

  /** Bytes from the slowest consumer's position to the end of the log (0 without consumers). */
  backlogBytes(): number {
    const min = this.consumers.minPosition();
    if (min === Infinity) return 0;
    let bytes = this.pendingBytes;
    const id = this.index.findBySn(min);
    if (id >= this.index.endId) return bytes;
    const fromSegment = this.index.segmentOf(id) - this.firstSegmentId;
    bytes += this.segments[fromSegment].bytes - this.index.offsetOf(id);
    for (let s = fromSegment + 1; s < this.segments.length; s++) bytes += this.segments[s].bytes - SEGMENT_HEADER_BYTES;
    return bytes;
  }

  /**
   * Removes sealed segments that retention allows: older than retention_ms or beyond
   * retention_bytes, and wholly below every consumer's position; then, under drop_oldest, removes
   * the oldest sealed segments while the backlog is over max_backlog_bytes, counting the rows
   * consumers lose. Returns the number of segments removed.
   */
  async runRetention(): Promise<number> {
    if (this.closed) return 0;
    const { retentionMs, retentionBytes, maxBacklogBytes, backlogPolicy } = this.settings;
    const now = this.clock.nowMs();
    let removed = 0;
    let totalBytes = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    while (this.segments.length > 1) {
      const oldest = this.segments[0];
      const expired = (retentionMs > 0 && now - oldest.lastAppendMs > retentionMs) || (retentionBytes > 0 && totalBytes > retentionBytes);
      if (!expired || oldest.endSn > this.consumers.minPosition()) break;
      totalBytes -= oldest.bytes;
      await this.removeOldestSegment();
      removed++;
    }
    if (maxBacklogBytes > 0 && backlogPolicy === 'drop_oldest') {
      while (this.segments.length > 1 && this.backlogBytes() > maxBacklogBytes) {
        const oldest = this.segments[0];
        this.stats.droppedRows += this.consumers.recordDrop(oldest.endSn);
        await this.removeOldestSegment();
        removed++;
      }
    }
    if (removed > 0) this.notifyChange();
    return removed;
  }

  private async removeOldestSegment(): Promise<void> {
    await this.consumers.flush();
    await this.saveOrigins();
    const oldest = this.segments.shift()!;
    // Index entries point at segments by position: shift them with the array.
    this.index.dropBefore(this.index.findBySn(oldest.endSn));
    this.firstSegmentId++;
    oldest.deleted = true;
    unlinkSync(oldest.path);
    if (oldest.readers === 0) await oldest.handle.close();
  }

  /**
   * Writes the durable origin HWMs to origins.json before a segment (and the headers in it) is
   * deleted. The active segment is synced first unless fsync=always already did, so the file never
   * holds a mark whose batch a crash could still lose (sealed segments were synced when sealed).
   */
  private async saveOrigins(): Promise<void> {
    if (!this.origins.isDirty) return;
    await this.origins.flush(async () => {
      if (this.settings.fsync === 'always') return;
      await this.segments[this.segments.length - 1].handle.datasync();
      this.stats.fsyncs++;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Origins (exactly-once dedupe)

  /** Every origin key's durable high-water mark, keyed by originKey() (a snapshot; for system.origins). */
  originHighWaterMarks(): ReadonlyMap<string, OriginHighWaterMark> {
    return this.origins.snapshot();
  }

  /** The highest source sn stored (durably) from this origin key, or undefined when none was. */
  originHighWaterMark(nodeId: string, taskId: string, lane: number): number | undefined {
    return this.origins.get(originKey(nodeId, taskId, lane))?.lastSn;
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  getStats(): LogStats {
    return {
      firstSn: this.firstSn,
      nextSn: this.nextSnValue,
      batches: this.index.size,
      segments: this.segments.length,
      bytes: this.segments.reduce((sum, s) => sum + s.bytes, 0),
      ...this.stats,
      backlogBytes: this.backlogBytes(),
    };
  }

  /** Finishes queued appends, syncs, flushes consumer positions and closes files. Readers end. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing !== null) await this.writing;
    this.closed = true;
    if (this.syncTimer !== null) clearInterval(this.syncTimer);
    this.notifyChange();
    for (const wake of this.queueWaiters.splice(0)) wake();
    try {
      if (this.settings.fsync !== 'never') {
        this.dirtySinceSync = true;
        await this.syncNow();
      }
      await this.consumers.flush();
    } finally {
      for (const segment of this.segments) await segment.handle.close().catch(() => undefined);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new DbError('LOG_CLOSED', `stream ${this.name}`);
    if (this.failed !== null) throw this.failed;
  }
}

async function createSegmentFile(path: string, baseSn: number, createdAtMs: number, dir: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.write(encodeSegmentHeader(baseSn, createdAtMs), 0, SEGMENT_HEADER_BYTES, 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

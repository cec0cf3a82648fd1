// Origin high-water marks of a stream log: per origin key (node id, task id, lane), the highest
// source sn (`origin.lastSn`) among the batches this log has made durable. They are the receiver's
// half of exactly-once delivery between nodes (see the module comment of stream-log.ts).
//
// The marks live with the data: every batch that carries an origin has it in its header, so at open
// the marks are rebuilt from the batch headers of the retained segments (recovery.ts). Retention
// deletes segments, and with them the headers, so before a segment is deleted the log writes the
// full map to `origins.json` in the stream's directory (atomically: see atomic-file.ts); at open the
// file is loaded first and then max-merged with the headers that remain.
//
// File `origins.json`:
//   {"version":1,"crc32":<CRC-32 of the "origins" array as JSON text>,"origins":[[nodeId,taskId,lane,lastSn],…]}
// A file that does not parse, has another version, fails its checksum or holds an invalid entry is
// an error at open (SEGMENT_CORRUPT naming the file), never silently ignored: forgetting a mark
// would let a replayed batch be stored twice.
//
// Invariant: a mark only ever grows; the in-memory map holds exactly the durable marks (queued
// appends are tracked by the log, not here); the file never holds a mark above the in-memory one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DbError } from '../../core/errors.ts';
import { writeFileAtomic } from '../catalog/atomic-file.ts';

/** The durable high-water mark of one origin key: the highest source sn stored from it. */
export interface OriginHighWaterMark {
  readonly nodeId: string;
  readonly taskId: string;
  readonly lane: number;
  readonly lastSn: number;
}

export const ORIGINS_FILE_NAME = 'origins.json';
const FILE_VERSION = 1;

/** The map key of an origin: unambiguous for any ids (JSON quotes and escapes them). */
export function originKey(nodeId: string, taskId: string, lane: number): string {
  return JSON.stringify([nodeId, taskId, lane]);
}

/** Human-readable origin key for messages. */
export function describeOriginKey(nodeId: string, taskId: string, lane: number): string {
  return `origin (node ${JSON.stringify(nodeId)}, task ${JSON.stringify(taskId)}, lane ${lane})`;
}

export class OriginMarks {
  readonly path: string;
  private readonly marks = new Map<string, OriginHighWaterMark>();
  /** Bumped on every change; `writtenVersion` is the version the file holds. */
  private version = 0;
  private writtenVersion = 0;
  /** Writes to origins.json run one at a time (they share its temporary file). */
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  /** Loads `origins.json` of a stream directory (an empty map when there is none). Throws SEGMENT_CORRUPT. */
  static load(dir: string): OriginMarks {
    const marks = new OriginMarks(join(dir, ORIGINS_FILE_NAME));
    let text: string;
    try {
      text = readFileSync(marks.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return marks;
      throw new DbError('IO_ERROR', `reading ${marks.path} (${(error as NodeJS.ErrnoException).code ?? 'unknown'})`, {}, { cause: error });
    }
    const bad = (why: string, cause?: unknown): DbError =>
      new DbError(
        'SEGMENT_CORRUPT',
        `${marks.path}: ${why}; the origin high-water marks (exactly-once dedupe) of this stream cannot be trusted`,
        { path: marks.path },
        cause === undefined ? undefined : { cause },
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw bad('not valid JSON', error);
    }
    if (typeof parsed !== 'object' || parsed === null) throw bad('not a JSON object');
    const file = parsed as { version?: unknown; crc32?: unknown; origins?: unknown };
    if (file.version !== FILE_VERSION) throw bad(`unknown version ${JSON.stringify(file.version)} (expected ${FILE_VERSION})`);
    if (!Array.isArray(file.origins)) throw bad('"origins" is not an array');
    const computed = crc32(JSON.stringify(file.origins));
    if (file.crc32 !== computed) throw bad(`checksum mismatch (stored ${JSON.stringify(file.crc32)}, computed ${computed})`);
    for (const entry of file.origins as unknown[]) {
      if (!Array.isArray(entry) || entry.length !== 4) throw bad(`invalid entry ${JSON.stringify(entry)}`);
      const [nodeId, taskId, lane, lastSn] = entry as unknown[];
      if (
        typeof nodeId !== 'string' ||
        typeof taskId !== 'string' ||
        !Number.isInteger(lane) ||
        (lane as number) < 0 ||
        (lane as number) > 0xffffffff ||
        !Number.isSafeInteger(lastSn) ||
        (lastSn as number) < 0
      ) {
        throw bad(`invalid entry ${JSON.stringify(entry)}`);
      }
      const key = originKey(nodeId, taskId, lane as number);
      if (marks.marks.has(key)) throw bad(`${describeOriginKey(nodeId, taskId, lane as number)} is listed twice`);
      marks.marks.set(key, { nodeId, taskId, lane: lane as number, lastSn: lastSn as number });
    }
    return marks;
  }

  get size(): number {
    return this.marks.size;
  }

  has(key: string): boolean {
    return this.marks.has(key);
  }

  /** The durable mark of `key`, or -1 when nothing from it was stored. */
  highWaterMark(key: string): number {
    return this.marks.get(key)?.lastSn ?? -1;
  }

  get(key: string): OriginHighWaterMark | undefined {
    return this.marks.get(key);
  }

  /** A snapshot of every mark, by originKey(). */
  snapshot(): ReadonlyMap<string, OriginHighWaterMark> {
    return new Map(this.marks);
  }

  /** Raises the mark of an origin key to `lastSn` (never lowers it). */
  advance(key: string, nodeId: string, taskId: string, lane: number, lastSn: number): void {
    const current = this.marks.get(key);
    if (current !== undefined && current.lastSn >= lastSn) return;
    this.marks.set(key, { nodeId, taskId, lane, lastSn });
    this.version++;
  }

  /** Whether the map holds marks the file does not. */
  get isDirty(): boolean {
    return this.version !== this.writtenVersion;
  }

  /**
   * Writes the map as it is now to origins.json (when it changed since the last write). The marks
   * are taken at the call; `beforeWrite` runs after that and before the file is written: the log
   * passes a sync of its data there, so the file never holds a mark whose batch is not on disk.
   */
  flush(beforeWrite: () => Promise<void> = async () => undefined): Promise<void> {
    if (!this.isDirty) return this.writeChain;
    const version = this.version;
    const origins: [string, string, number, number][] = [];
    for (const m of this.marks.values()) origins.push([m.nodeId, m.taskId, m.lane, m.lastSn]);
    const json = JSON.stringify(origins);
    const text = `{"version":${FILE_VERSION},"crc32":${crc32(json)},"origins":${json}}\n`;
    const next = this.writeChain.then(async () => {
      await beforeWrite();
      await writeFileAtomic(this.path, text, { mode: 0o600 });
      if (version > this.writtenVersion) this.writtenVersion = version;
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }
}

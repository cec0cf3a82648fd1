// Durable state of sync tasks (materialized views; pipes later): one file per task,
// `<data dir>/tasks/<task id>.json`, replaced atomically (atomic-file.ts):
//
//   {"version":1,"crc":<crc32 of the JSON of "state">,"state":{
//     "state":"RUNNING"|"PAUSED"|"STOPPED",   what the user (or an unrecoverable error) asked for
//     "error":null|"<message>",                 why it stopped
//     "lanes":{"<lane>":<last source sn delivered and acknowledged>, …},
//     "start":{"<lane>":<sn before the first one to read>, …}   where the task began (replays of
//                                                               stateful views start here)
//     "catchUps":{"<lane>":<last sn of the lane's range>, …}   backlog lanes beside the live lane 0
//   }}
//
// Invariant: a lane's position only grows, and only to an sn whose output the sink acknowledged as
// durable. The file may lag the acknowledged position (it is written at most every
// CHECKPOINT_INTERVAL_MS, and on pause and shutdown): a task restarted from an older position
// re-sends batches the receiver already holds, and the receiver drops them by their origin.
import { crc32 } from 'node:zlib';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DbError } from '../core/errors.ts';
import { writeFileAtomic } from '../storage/catalog/atomic-file.ts';

export type TaskRunState = 'RUNNING' | 'PAUSED' | 'STOPPED';

export interface TaskCheckpoint {
  readonly state: TaskRunState;
  readonly error: string | null;
  readonly lanes: Readonly<Record<string, number>>;
  readonly start: Readonly<Record<string, number>>;
  /** Catch-up lanes: lane → last source sn of its range (absent in files of older builds). */
  readonly catchUps?: Readonly<Record<string, number>>;
}

const VERSION = 1;

/**
 * One JSON file per task under `<dataDir>/<dir>`; `C` is the checkpoint's shape (views:
 * TaskCheckpoint; pipes: PipeCheckpoint, pipe-task.ts), which must carry a `state`.
 */
export class TaskStore<C extends { readonly state: TaskRunState } = TaskCheckpoint> {
  private readonly dir: string;
  /** Writes of one task run one at a time (they share a temporary file). */
  private readonly chains = new Map<number, Promise<void>>();

  constructor(dataDir: string, dir = 'tasks') {
    this.dir = join(dataDir, dir);
    mkdirSync(this.dir, { recursive: true });
  }

  private path(taskId: number): string {
    return join(this.dir, `${taskId}.json`);
  }

  load(taskId: number): C | null {
    const path = this.path(taskId);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DbError('IO_ERROR', `reading ${path}: ${(error as Error).message}`, {}, { cause: error });
    }
    let parsed: { version?: unknown; crc?: unknown; state?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new DbError('CATALOG_CORRUPT', `${path} is not valid JSON`);
    }
    if (parsed.version !== VERSION) throw new DbError('CATALOG_CORRUPT', `${path} has version ${String(parsed.version)}, expected ${VERSION}`);
    const body = JSON.stringify(parsed.state);
    if (parsed.crc !== crc32(body)) throw new DbError('CATALOG_CORRUPT', `${path}: checksum mismatch`);
    const state = parsed.state as C;
    if (!['RUNNING', 'PAUSED', 'STOPPED'].includes(state.state)) throw new DbError('CATALOG_CORRUPT', `${path}: unknown state ${String(state.state)}`);
    return state;
  }

  save(taskId: number, checkpoint: C): Promise<void> {
    const body = JSON.stringify(checkpoint);
    const text = `{"version":${VERSION},"crc":${crc32(body)},"state":${body}}\n`;
    const previous = this.chains.get(taskId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => writeFileAtomic(this.path(taskId), text, { mode: 0o644 }));
    this.chains.set(taskId, next);
    return next;
  }

  async remove(taskId: number): Promise<void> {
    await (this.chains.get(taskId) ?? Promise.resolve()).catch(() => undefined);
    this.chains.delete(taskId);
    rmSync(this.path(taskId), { force: true });
  }
}

// Registered consumers of a stream log: tasks (views, pipes) that read the stream and hold its
// retention. Each has a position: the next sn it needs (everything below it is done with).
// Retention never removes a row at or above the lowest position, unless the backlog policy is
// drop_oldest and the backlog is over max_backlog_bytes; rows dropped that way are counted per
// consumer, so nothing is lost silently.
//
// File `consumers.json` in the stream directory, written atomically (see atomic-file.ts):
//   {"version":1,"consumers":{"<id>":{"position":<sn>,"droppedRows":<n>}}}
// Registration and removal are written before they return. Position commits are kept in memory and
// written lazily (flush()): a stale file only holds back retention, which is safe, and the log
// flushes before any deletion that relies on an unwritten position.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DbError } from '../../core/errors.ts';
import { CONSUMERS_PER_STREAM_MAX, NAME_BYTES_MAX, checkLimit } from '../../core/limits.ts';
import { writeFileAtomic } from '../catalog/atomic-file.ts';

export interface ConsumerState {
  position: number;
  droppedRows: number;
}

const FILE_NAME = 'consumers.json';

export class ConsumerRegistry {
  private readonly path: string;
  private readonly consumers = new Map<string, ConsumerState>();
  private dirty = false;
  /** Writes to consumers.json run one at a time (they share its temporary file). */
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
  }

  static load(dir: string): ConsumerRegistry {
    const registry = new ConsumerRegistry(join(dir, FILE_NAME));
    let text: string;
    try {
      text = readFileSync(registry.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return registry;
      throw error;
    }
    let parsed: { version?: number; consumers?: Record<string, ConsumerState> };
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new DbError('SEGMENT_CORRUPT', `${registry.path} is not valid JSON`, {}, { cause: error });
    }
    if (parsed.version !== 1 || typeof parsed.consumers !== 'object' || parsed.consumers === null) {
      throw new DbError('SEGMENT_CORRUPT', `${registry.path} has an unknown format`);
    }
    for (const [id, state] of Object.entries(parsed.consumers)) {
      if (!Number.isSafeInteger(state.position) || state.position < 0) {
        throw new DbError('SEGMENT_CORRUPT', `${registry.path}: consumer '${id}' has an invalid position`);
      }
      registry.consumers.set(id, { position: state.position, droppedRows: state.droppedRows ?? 0 });
    }
    return registry;
  }

  get size(): number {
    return this.consumers.size;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  get(id: string): ConsumerState | undefined {
    return this.consumers.get(id);
  }

  entries(): IterableIterator<[string, ConsumerState]> {
    return this.consumers.entries();
  }

  /** Lowest position over all consumers, or Infinity when there are none. */
  minPosition(): number {
    let min = Infinity;
    for (const state of this.consumers.values()) if (state.position < min) min = state.position;
    return min;
  }

  async register(id: string, position: number): Promise<void> {
    checkLimit('NAME_BYTES_MAX', NAME_BYTES_MAX, Buffer.byteLength(id), 'consumer id length');
    if (id.length === 0) throw new DbError('INVALID_NAME', 'consumer id is empty');
    if (!this.consumers.has(id)) {
      checkLimit('CONSUMERS_PER_STREAM_MAX', CONSUMERS_PER_STREAM_MAX, this.consumers.size + 1, 'consumer count');
    }
    const previous = this.consumers.get(id);
    this.consumers.set(id, { position, droppedRows: previous?.droppedRows ?? 0 });
    await this.writeOrRevert(() => {
      if (previous === undefined) this.consumers.delete(id);
      else this.consumers.set(id, previous);
    });
  }

  async unregister(id: string): Promise<boolean> {
    const previous = this.consumers.get(id);
    if (previous === undefined) return false;
    this.consumers.delete(id);
    await this.writeOrRevert(() => this.consumers.set(id, previous));
    return true;
  }

  /** Moves a consumer's position forward (never back); written on the next flush. */
  commit(id: string, position: number): void {
    const state = this.consumers.get(id);
    if (state === undefined) throw new DbError('OBJECT_NOT_FOUND', `consumer '${id}' is not registered`);
    if (position > state.position) {
      state.position = position;
      this.dirty = true;
    }
  }

  /** Counts rows removed below a consumer's position by drop_oldest, and moves it past them. */
  recordDrop(endSn: number): number {
    let dropped = 0;
    for (const state of this.consumers.values()) {
      if (state.position < endSn) {
        state.droppedRows += endSn - state.position;
        dropped = Math.max(dropped, endSn - state.position);
        state.position = endSn;
        this.dirty = true;
      }
    }
    return dropped;
  }

  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await this.write();
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  private async writeOrRevert(revert: () => void): Promise<void> {
    try {
      await this.write();
      this.dirty = false;
    } catch (error) {
      revert();
      throw error;
    }
  }

  private write(): Promise<void> {
    const next = this.writeChain.then(() => this.writeNow());
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  private async writeNow(): Promise<void> {
    const consumers: Record<string, ConsumerState> = {};
    for (const [id, state] of this.consumers) consumers[id] = { position: state.position, droppedRows: state.droppedRows };
    await writeFileAtomic(this.path, JSON.stringify({ version: 1, consumers }), { mode: 0o600 });
  }
}

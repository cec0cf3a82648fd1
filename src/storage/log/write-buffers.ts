// WriteBuffers: the memory batches are encoded into on their way to a segment, reused once written.
//
// Every append encodes (or copies) its batch into a buffer the log owns until the group commit has
// written it; nothing else holds it (readers read the segment files). Recycling those buffers keeps
// the process from touching fresh memory for every batch: a new 300 KB buffer costs ~75 page faults
// and, freed only when V8 next collects, adds to the external memory that triggers collections.
//
// Buffers come in power-of-two size classes from WRITE_BUFFER_BYTES_MIN up; a request under half of
// that or above WRITE_BUFFER_BYTES_MAX_POOLED is allocated and dropped as before, so a pooled buffer
// is never more than twice the bytes it holds (the append queue's byte limit counts what it holds).
// The pool keeps at most WRITE_BUFFER_POOL_BYTES_MAX in all (process-wide: the logs share it; JS
// runs them on one thread). take() returns a (by default zero-filled) view of exactly the requested
// length at offset 0 of its ArrayBuffer (8-aligned, as the batch format wants); give() accepts only
// views that take() returned, once each (the ArrayBuffer's identity is the receipt), and ignores
// anything else.
import { WRITE_BUFFER_POOL_BYTES_MAX } from '../../core/limits.ts';

export const WRITE_BUFFER_BYTES_MIN = 64 * 1024;
export const WRITE_BUFFER_BYTES_MAX_POOLED = 16 * 1024 * 1024;

class WriteBufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly lent = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;
  /** Buffers handed out that came from the pool (for tests and metrics). */
  reused = 0;

  /** A Uint8Array of `length` bytes at offset 0 of its own ArrayBuffer, zero-filled unless `zeroed` is false. */
  take(length: number, zeroed = true): Uint8Array {
    const capacity = classOf(length);
    if (capacity === 0) return new Uint8Array(length);
    const shelf = this.free.get(capacity);
    let buffer = shelf?.pop();
    if (buffer !== undefined) {
      this.pooledBytes -= capacity;
      this.reused++;
      const view = new Uint8Array(buffer, 0, length);
      if (zeroed) view.fill(0);
      this.lent.add(buffer);
      return view;
    }
    buffer = new ArrayBuffer(capacity);
    this.lent.add(buffer);
    return new Uint8Array(buffer, 0, length);
  }

  /** Returns a buffer take() handed out; its bytes must not be used after this. */
  give(view: Uint8Array): void {
    const buffer = view.buffer as ArrayBuffer;
    if (!this.lent.has(buffer)) return;
    this.lent.delete(buffer);
    const capacity = buffer.byteLength;
    if (this.pooledBytes + capacity > WRITE_BUFFER_POOL_BYTES_MAX) return;
    let shelf = this.free.get(capacity);
    if (shelf === undefined) this.free.set(capacity, (shelf = []));
    shelf.push(buffer);
    this.pooledBytes += capacity;
  }

  get bytes(): number {
    return this.pooledBytes;
  }
}

/** The size class of a request: the power of two at or above it (at least WRITE_BUFFER_BYTES_MIN); 0 when not pooled. */
function classOf(length: number): number {
  if (length < WRITE_BUFFER_BYTES_MIN / 2 || length > WRITE_BUFFER_BYTES_MAX_POOLED) return 0;
  let capacity = WRITE_BUFFER_BYTES_MIN;
  while (capacity < length) capacity *= 2;
  return capacity;
}

export const writeBuffers = new WriteBufferPool();

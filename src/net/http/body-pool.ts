// Buffers for request bodies, reused from one request to the next. A large insert body is read into
// one contiguous buffer; allocating a fresh one per request made megabytes of ArrayBuffer churn per
// insert, and V8 answers external memory growth with full (mark-compact) collections, which showed
// as the largest cost after parsing in ingest profiles. A body's buffer goes back to the pool when
// its request is finished, so nothing may keep a body (or a view of it) past its request: the
// statement's rows are copied out by the insert, and an InsertFormat made from the body is released
// with it (engine/format/insert-data.ts), so a late read fails loudly instead of seeing other data.
import { Buffer } from 'node:buffer';
import { HTTP_BODY_POOL_BUFFER_BYTES_MAX, HTTP_BODY_POOL_BYTES_MAX } from './http-limits.ts';

/** The smallest pooled buffer size: bodies below it share sizes, so buffers are reused. */
const BODY_BUFFER_BYTES_MIN = 64 * 1024;

export class BodyPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  /** The whole buffer under each body handed out (the body is a view of its first bytes). */
  private readonly backing = new WeakMap<Buffer, Buffer>();

  /** A buffer of exactly `size` bytes (contents undefined), pooled when at most HTTP_BODY_POOL_BUFFER_BYTES_MAX. */
  acquire(size: number): Buffer {
    if (size > HTTP_BODY_POOL_BUFFER_BYTES_MAX) return Buffer.allocUnsafeSlow(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].length >= size && (best < 0 || this.free[i].length < this.free[best].length)) best = i;
    }
    let whole: Buffer;
    if (best >= 0) {
      whole = this.free[best];
      this.free.splice(best, 1);
      this.freeBytes -= whole.length;
    } else {
      whole = Buffer.allocUnsafeSlow(Math.min(HTTP_BODY_POOL_BUFFER_BYTES_MAX, Math.max(BODY_BUFFER_BYTES_MIN, 2 ** Math.ceil(Math.log2(size)))));
    }
    const body = whole.subarray(0, size);
    this.backing.set(body, whole);
    return body;
  }

  /** Takes back a body from acquire() once its request is done with it; other buffers are ignored. */
  release(body: Buffer): void {
    const whole = this.backing.get(body);
    if (whole === undefined) return;
    this.backing.delete(body);
    if (this.freeBytes + whole.length > HTTP_BODY_POOL_BYTES_MAX) {
      // Keep the larger buffers: they serve every smaller body too.
      this.free.sort((a, b) => a.length - b.length);
      while (this.free.length > 0 && this.freeBytes + whole.length > HTTP_BODY_POOL_BYTES_MAX && this.free[0].length < whole.length) {
        this.freeBytes -= this.free.shift()!.length;
      }
      if (this.freeBytes + whole.length > HTTP_BODY_POOL_BYTES_MAX) return;
    }
    this.free.push(whole);
    this.freeBytes += whole.length;
  }

  /** Bytes held by free buffers (tests). */
  get pooledBytes(): number {
    return this.freeBytes;
  }
}

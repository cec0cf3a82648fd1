// A token bucket over bytes per second: `rate-limit-bytes-per-second` of a pipe sink, and the
// node-wide `pipe_all_sinks_rate_limit_bytes_per_second`. take(n) resolves once n bytes may go;
// a take larger than one second's budget goes when the bucket is full and leaves it in debt, so
// any batch gets through and the long-run rate still holds.
import { sleep } from '../backoff.ts';

const NEVER = new AbortController().signal;

export class RateLimiter {
  private readonly bytesPerSecond: number;
  private tokens: number;
  private at: number;
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(bytesPerSecond: number, now: () => number = () => performance.now()) {
    this.now = now;
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond;
    this.at = now();
  }

  /** Waits (in call order) until `bytes` may be sent. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.chain.then(() => this.wait(bytes, signal));
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  private async wait(bytes: number, signal?: AbortSignal): Promise<void> {
    this.refill();
    const need = Math.min(bytes, this.bytesPerSecond);
    if (this.tokens < need) await sleep(((need - this.tokens) * 1000) / this.bytesPerSecond, signal ?? NEVER);
    this.refill();
    this.tokens -= bytes;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.at) * this.bytesPerSecond) / 1000);
    this.at = now;
  }
}

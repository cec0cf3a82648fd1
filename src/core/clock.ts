// Time as the rest of the code sees it. src/ never calls Date.now() or setTimeout directly: it takes
// a Clock, so tests and the simulation can run on a ManualClock that advances only when told.

export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock; may jump). */
  nowMs(): number;
  /** A promise that resolves after `ms` (on a ManualClock: when time is advanced past it). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock for tests: time moves only through advance(). Sleepers wake in deadline order. */
export class ManualClock implements Clock {
  private now: number;
  private sleepers: { deadline: number; resolve: () => void }[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ deadline: this.now + ms, resolve });
      this.sleepers.sort((a, b) => a.deadline - b.deadline);
    });
  }

  advance(ms: number): void {
    this.now += ms;
    while (this.sleepers.length > 0 && this.sleepers[0].deadline <= this.now) this.sleepers.shift()!.resolve();
  }
}

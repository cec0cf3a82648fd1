// Rows per second over a sliding window, for a task's status (views and pipes): counts go into
// RATE_WINDOW_SLOTS slots of RATE_SLOT_MS on the task's clock; the rate is their sum over the
// window, so it falls to 0 within the window once nothing moves.
import type { Clock } from '../core/clock.ts';

export const RATE_SLOT_MS = 250;
export const RATE_WINDOW_SLOTS = 8;

export class RateMeter {
  private readonly clock: Clock;
  private readonly slots = new Float64Array(RATE_WINDOW_SLOTS);
  private slotAt = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  count(rows: number): void {
    this.rotate();
    this.slots[this.slotAt % RATE_WINDOW_SLOTS] += rows;
  }

  perSecond(): number {
    this.rotate();
    let rows = 0;
    for (const slot of this.slots) rows += slot;
    return (rows * 1000) / (RATE_WINDOW_SLOTS * RATE_SLOT_MS);
  }

  private rotate(): void {
    const slot = Math.floor(this.clock.nowMs() / RATE_SLOT_MS);
    if (slot - this.slotAt >= RATE_WINDOW_SLOTS) this.slots.fill(0);
    else for (let s = this.slotAt + 1; s <= slot; s++) this.slots[s % RATE_WINDOW_SLOTS] = 0;
    if (slot > this.slotAt) this.slotAt = slot;
  }
}

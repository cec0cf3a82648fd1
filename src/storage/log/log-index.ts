// The sparse index of a stream log: one entry per batch (base sn, row count, event-time range,
// append time, segment, file offset, length), in growable typed arrays so a million batches cost
// tens of megabytes, not a million objects.
//
// Entries are numbered absolutely: entry ids keep increasing across the life of the process, and
// retention removes entries from the front (`firstId` grows), so a reader holding an id can tell
// whether its position was dropped. Invariants: baseSn is non-decreasing and contiguous
// (baseSn[i+1] = baseSn[i] + rowCount[i], except across a gap left by a damaged sealed segment);
// prefixMaxTime is non-decreasing, which makes seeks by event time a binary search even though
// event times themselves are unordered.

const INITIAL_CAPACITY = 1024;

export interface IndexEntry {
  readonly id: number;
  readonly baseSn: number;
  readonly rowCount: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly appendTimeMs: number;
  readonly segment: number;
  readonly offset: number;
  readonly byteLength: number;
}

export class LogIndex {
  /** Absolute id of the entry at array position `head`. */
  private firstIdValue = 0;
  private head = 0;
  private tail = 0;
  private baseSn = new Float64Array(INITIAL_CAPACITY);
  private rowCount = new Uint32Array(INITIAL_CAPACITY);
  private minTime = new Float64Array(INITIAL_CAPACITY);
  private maxTime = new Float64Array(INITIAL_CAPACITY);
  private prefixMaxTime = new Float64Array(INITIAL_CAPACITY);
  private appendTime = new Float64Array(INITIAL_CAPACITY);
  private segment = new Float64Array(INITIAL_CAPACITY);
  private offset = new Float64Array(INITIAL_CAPACITY);
  private byteLength = new Uint32Array(INITIAL_CAPACITY);

  get firstId(): number {
    return this.firstIdValue;
  }

  /** One past the last entry's id. */
  get endId(): number {
    return this.firstIdValue + (this.tail - this.head);
  }

  get size(): number {
    return this.tail - this.head;
  }

  push(baseSn: number, rowCount: number, minTimeMs: number, maxTimeMs: number, appendTimeMs: number, segment: number, offset: number, byteLength: number): number {
    if (this.tail === this.baseSn.length) this.grow();
    const i = this.tail++;
    this.baseSn[i] = baseSn;
    this.rowCount[i] = rowCount;
    this.minTime[i] = minTimeMs;
    this.maxTime[i] = maxTimeMs;
    const previous = i > this.head ? this.prefixMaxTime[i - 1] : -Infinity;
    this.prefixMaxTime[i] = rowCount === 0 ? previous : Math.max(previous, maxTimeMs);
    this.appendTime[i] = appendTimeMs;
    this.segment[i] = segment;
    this.offset[i] = offset;
    this.byteLength[i] = byteLength;
    return this.firstIdValue + (i - this.head);
  }

  /** Removes entries with id < `id` (retention). */
  dropBefore(id: number): void {
    const count = Math.min(Math.max(0, id - this.firstIdValue), this.size);
    this.head += count;
    this.firstIdValue += count;
  }

  /** Removes entries with id >= `id` (a failed write rolled back). */
  truncateFrom(id: number): void {
    const keep = Math.max(0, id - this.firstIdValue);
    this.tail = Math.min(this.tail, this.head + keep);
  }

  get(id: number): IndexEntry {
    const i = this.slot(id);
    return {
      id,
      baseSn: this.baseSn[i],
      rowCount: this.rowCount[i],
      minTimeMs: this.minTime[i],
      maxTimeMs: this.maxTime[i],
      appendTimeMs: this.appendTime[i],
      segment: this.segment[i],
      offset: this.offset[i],
      byteLength: this.byteLength[i],
    };
  }

  segmentOf(id: number): number {
    return this.segment[this.slot(id)];
  }

  offsetOf(id: number): number {
    return this.offset[this.slot(id)];
  }

  byteLengthOf(id: number): number {
    return this.byteLength[this.slot(id)];
  }

  timeRangeOverlaps(id: number, fromMs: number, toMs: number): boolean {
    const i = this.slot(id);
    return this.rowCount[i] > 0 && this.maxTime[i] >= fromMs && this.minTime[i] <= toMs;
  }

  /** Id of the first entry that holds a row with sn >= `sn` (endId when none). */
  findBySn(sn: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.baseSn[mid] + this.rowCount[mid] > sn) hi = mid;
      else lo = mid + 1;
    }
    return this.firstIdValue + (lo - this.head);
  }

  /** Id of the first entry that may hold a row with event time >= `timeMs`; every earlier row is older. */
  findByTime(timeMs: number): number {
    return this.firstIdValue + (lowerBound(this.prefixMaxTime, this.head, this.tail, timeMs) - this.head);
  }

  /** Id of the first entry appended at or after `timeMs` (append times are non-decreasing). */
  findByAppendTime(timeMs: number): number {
    return this.firstIdValue + (lowerBound(this.appendTime, this.head, this.tail, timeMs) - this.head);
  }

  private slot(id: number): number {
    const i = this.head + (id - this.firstIdValue);
    if (id < this.firstIdValue || i >= this.tail) throw new RangeError(`index entry ${id} is outside [${this.firstIdValue}, ${this.endId})`);
    return i;
  }

  private grow(): void {
    const live = this.tail - this.head;
    const capacity = Math.max(INITIAL_CAPACITY, live * 2);
    const move = <A extends Float64Array | Uint32Array>(array: A, Ctor: new (n: number) => A): A => {
      const next = new Ctor(capacity);
      next.set(array.subarray(this.head, this.tail));
      return next;
    };
    this.baseSn = move(this.baseSn, Float64Array);
    this.rowCount = move(this.rowCount, Uint32Array);
    this.minTime = move(this.minTime, Float64Array);
    this.maxTime = move(this.maxTime, Float64Array);
    this.prefixMaxTime = move(this.prefixMaxTime, Float64Array);
    this.appendTime = move(this.appendTime, Float64Array);
    this.segment = move(this.segment, Float64Array);
    this.offset = move(this.offset, Float64Array);
    this.byteLength = move(this.byteLength, Uint32Array);
    this.tail = live;
    this.head = 0;
  }
}

function lowerBound(array: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (array[mid] >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

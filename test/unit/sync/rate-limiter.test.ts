// The pipe sinks' token bucket: a full bucket lets one second's bytes through at once, then bytes
// go at the configured rate; a take larger than the bucket still goes (leaving it in debt).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateLimiter } from '../../../src/sync/pipes/rate-limiter.ts';

describe('RateLimiter', () => {
  test('one second of budget at once, then the rate (on a manual clock)', async () => {
    let now = 0;
    const limiter = new RateLimiter(1000, () => now);
    const t0 = performance.now();
    await limiter.take(1000);
    assert.ok(performance.now() - t0 < 50, 'a full bucket does not wait');
    now += 500; // half a second later: 500 bytes of budget
    await limiter.take(500);
    assert.ok(performance.now() - t0 < 50, 'the refilled budget does not wait');
  });

  test('a take beyond the budget waits for the missing bytes', async () => {
    const limiter = new RateLimiter(10_000);
    await limiter.take(10_000);
    const t0 = performance.now();
    await limiter.take(2_000); // 0.2 s of budget missing
    assert.ok(performance.now() - t0 >= 150, `waited ${performance.now() - t0} ms`);
  });

  test('a take larger than a second of budget goes once the bucket is full', async () => {
    const limiter = new RateLimiter(1_000_000);
    const t0 = performance.now();
    await limiter.take(5_000_000);
    assert.ok(performance.now() - t0 < 100);
  });
});

// Streaming queries over a real embedded node: a query starts at the tail; seeks (earliest_ts(),
// seek_to, _tp_sn) replay history and hand over to live rows with no gap and no duplicate; tumble,
// hop and session windows emit when the watermark passes their end; late rows are counted, not
// folded in; LIMIT ends a streaming query; cancel() releases it; EMIT PERIODIC emits running totals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openNode, type ExecuteResult, type TributaryNode } from '../../../src/engine/node.ts';
import { rowArraysOf } from '../../../src/types/batch.ts';
import type { Value } from '../../../src/types/vector.ts';
import { tempDir } from '../../support/temp-dir.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => `'${new Date(T0 + seconds * 1000).toISOString().replace('T', ' ').replace('Z', '')}'`;

async function setup(): Promise<TributaryNode> {
  const node = await openNode({ dataDir: tempDir() });
  await node.execute('CREATE STREAM s (device string, v int32)');
  return node;
}

function streamOf(result: ExecuteResult): Extract<ExecuteResult, { kind: 'stream' }> {
  assert.equal(result.kind, 'stream');
  return result as Extract<ExecuteResult, { kind: 'stream' }>;
}

/** Reads rows from a streaming result until `count` rows arrived (or the stream ended). */
async function take(result: Extract<ExecuteResult, { kind: 'stream' }>, count: number): Promise<Value[][]> {
  const rows: Value[][] = [];
  for await (const batch of result.batches) {
    rows.push(...rowArraysOf(batch));
    if (rows.length >= count) break;
  }
  return rows;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

/** Polls until `condition` holds (a loaded CI machine may take longer than a fixed sleep), or fails after 5 s. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a streaming query starts at the tail and sees only new rows', async () => {
  const node = await setup();
  await node.execute("INSERT INTO s (device, v) VALUES ('old', 1), ('old', 2)");
  const result = streamOf(await node.execute('SELECT device, v FROM s LIMIT 2'));
  const reading = take(result, 2);
  await tick();
  await node.execute("INSERT INTO s (device, v) VALUES ('new', 3), ('new', 4)");
  assert.deepEqual(await reading, [['new', 3], ['new', 4]]);
  await node.close();
});

for (const [name, query] of [
  ['WHERE _tp_time > earliest_ts()', 'SELECT v FROM s WHERE _tp_time > earliest_ts() LIMIT 6'],
  ["SETTINGS seek_to='earliest'", "SELECT v FROM s LIMIT 6 SETTINGS seek_to='earliest'"],
] as const) {
  test(`${name} replays history, then follows live rows without gap or duplicate`, async () => {
    const node = await setup();
    await node.execute("INSERT INTO s (device, v) VALUES ('a', 1), ('a', 2), ('a', 3)");
    const result = streamOf(await node.execute(query));
    const reading = take(result, 6);
    await node.execute("INSERT INTO s (device, v) VALUES ('a', 4)");
    await tick();
    await node.execute("INSERT INTO s (device, v) VALUES ('a', 5), ('a', 6)");
    assert.deepEqual((await reading).map((r) => r[0]), [1, 2, 3, 4, 5, 6]);
    await node.close();
  });
}

test('a streaming WHERE _tp_time > X keeps the matching rows of a mixed batch and skips wholly older batches', async () => {
  const node = await setup();
  const result = streamOf(await node.execute(`SELECT v FROM s WHERE _tp_time > ${at(100)} LIMIT 3`));
  const reading = take(result, 3);
  await tick();
  const insert = (rows: [number, number][]) =>
    node.execute(`INSERT INTO s (_tp_time, device, v) VALUES ${rows.map(([seconds, v]) => `(${at(seconds)}, 'a', ${v})`).join(', ')}`);
  await insert([[1, 1], [2, 2]]); // a backfill of old rows
  await insert([[3, 3], [101, 4], [100, 5]]); // one row after 100 s
  await insert([[4, 6]]);
  await insert([[150, 7], [160, 8]]);
  assert.deepEqual((await reading).map((r) => r[0]), [4, 7, 8]);
  await node.close();
});

test('_tp_sn > N seeks by sequence number', async () => {
  const node = await setup();
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 10), ('a', 11), ('a', 12), ('a', 13)");
  const result = streamOf(await node.execute('SELECT _tp_sn, v FROM s WHERE _tp_sn > 1 LIMIT 3'));
  const reading = take(result, 3);
  await tick();
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 14)");
  assert.deepEqual(await reading, [[2n, 12], [3n, 13], [4n, 14]]);
  await node.close();
});

test('tumble windows emit when the watermark passes their end; late rows are counted', async () => {
  const node = await setup();
  const result = streamOf(
    await node.execute("SELECT window_start, device, count() AS n, sum(v) FROM tumble(s, 5s) GROUP BY window_start, device SETTINGS seek_to='earliest'"),
  );
  const rows: Value[][] = [];
  const reader = (async () => {
    for await (const batch of result.batches) rows.push(...rowArraysOf(batch));
  })();
  const insert = (seconds: number, device: string, v: number) =>
    node.execute(`INSERT INTO s (_tp_time, device, v) VALUES (${at(seconds)}, '${device}', ${v})`);
  await insert(0, 'a', 1);
  await insert(1, 'b', 2);
  await insert(4.999, 'a', 3);
  await tick();
  assert.deepEqual(rows, [], 'no window has closed yet');
  await insert(6, 'a', 4); // watermark 6 s: [0, 5) closes
  await waitFor(() => rows.length >= 2, 'window [0, 5) to be emitted');
  assert.deepEqual(rows, [
    [T0, 'a', 2n, 4n],
    [T0, 'b', 1n, 2n],
  ]);
  await insert(3, 'a', 100); // late: [0, 5) was emitted
  await insert(12, 'b', 5); // watermark 12 s: [5, 10) closes
  await waitFor(() => rows.length >= 3, 'window [5, 10) to be emitted');
  assert.deepEqual(rows.slice(2), [[T0 + 5000, 'a', 1n, 4n]]);
  assert.equal(result.stats.lateRows, 1);
  result.cancel();
  await reader;
  await node.close();
});

test('LIMIT ends a streaming query, and cancel() releases one', async () => {
  const node = await setup();
  const limited = streamOf(await node.execute('SELECT v FROM s LIMIT 1'));
  const reading = take(limited, 10);
  await tick();
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 1), ('a', 2)");
  assert.deepEqual(await reading, [[1]], 'the query ended after one row');

  const open = streamOf(await node.execute('SELECT v FROM s'));
  const all = (async () => {
    const rows: Value[][] = [];
    for await (const batch of open.batches) rows.push(...rowArraysOf(batch));
    return rows;
  })();
  await tick();
  open.cancel();
  assert.deepEqual(await all, [], 'a cancelled query ends its iterator');
  await node.close();
});

test('EMIT PERIODIC emits the running result of a global aggregate', async () => {
  const node = await setup();
  const result = streamOf(await node.execute("SELECT count() AS n, sum(v) FROM s EMIT PERIODIC 100ms SETTINGS seek_to='earliest'"));
  const batches = result.batches[Symbol.asyncIterator]();
  const nextRow = async () => rowArraysOf((await batches.next()).value).at(-1);
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 1), ('a', 2)");
  assert.deepEqual(await nextRow(), [2n, 3n]);
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 10)");
  let last = await nextRow();
  if (last?.[0] === 2n) last = await nextRow(); // an emit may have fallen between the two inserts
  assert.deepEqual(last, [3n, 13n]);
  result.cancel();
  await batches.return?.();
  await node.close();
});

test('hop and session windows over table() (bounded) and tumble without aggregation', async () => {
  const node = await setup();
  for (const [seconds, device, v] of [[0, 'a', 1], [1.5, 'a', 2], [2.5, 'b', 3], [10, 'a', 4], [11, 'a', 5]] as const) {
    await node.execute(`INSERT INTO s (_tp_time, device, v) VALUES (${at(seconds)}, '${device}', ${v})`);
  }
  const hop = await node.query('SELECT window_start, count() FROM hop(table(s), 1s, 2s) GROUP BY window_start ORDER BY window_start');
  assert.deepEqual(hop.rows, [
    [T0 - 1000, 1n],
    [T0, 2n],
    [T0 + 1000, 2n],
    [T0 + 2000, 1n],
    [T0 + 9000, 1n],
    [T0 + 10_000, 2n],
    [T0 + 11_000, 1n],
  ]);
  const session = await node.query('SELECT window_start, window_end, device, count(), sum(v) FROM session(table(s), 3s) GROUP BY window_start, device ORDER BY window_start, device');
  assert.deepEqual(session.rows, [
    [T0, T0 + 4500, 'a', 2n, 3n],
    [T0 + 2500, T0 + 5500, 'b', 1n, 3n],
    [T0 + 10_000, T0 + 14_000, 'a', 2n, 9n],
  ]);
  const plain = await node.query('SELECT v, window_start FROM tumble(table(s), 10s) ORDER BY v');
  assert.deepEqual(plain.rows.map((r) => r[1]), [T0, T0, T0, T0 + 10_000, T0 + 10_000]);
  await node.close();
});

test('seeks by event time (seek_to a time, _tp_time > now() - interval) start at the first row at or after it', async () => {
  const node = await setup();
  const now = Date.now();
  const iso = (ms: number) => `'${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
  // Rows three days, one day and one minute old: a 2-day lookback replays the last two.
  for (const [ageMs, v] of [[3 * 86_400_000, 1], [86_400_000, 2], [60_000, 3]] as const) {
    await node.execute(`INSERT INTO s (_tp_time, device, v) VALUES (${iso(now - ageMs)}, 'a', ${v})`);
  }
  const lookback = streamOf(await node.execute('SELECT v FROM s WHERE _tp_time > now() - 2d LIMIT 3'));
  const reading = take(lookback, 3);
  await tick();
  await node.execute("INSERT INTO s (device, v) VALUES ('a', 4)");
  assert.deepEqual((await reading).map((r) => r[0]), [2, 3, 4]);

  const since = streamOf(await node.execute(`SELECT v FROM s LIMIT 2 SETTINGS seek_to=${iso(now - 2 * 60_000)}`));
  assert.deepEqual((await take(since, 2)).map((r) => r[0]), [3, 4]);
  await node.close();
});

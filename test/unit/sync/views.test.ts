// Materialized views on one embedded node (real storage, real files): filtered forwarding, the
// implicit target, windowed views replayed after a restart, pause across restarts, status, errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TributaryNode } from '../../../src/engine/node.ts';
import { TaskStore } from '../../../src/sync/task-store.ts';
import { makeBatch } from '../../../src/types/batch.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';
import { openNode } from '../../../src/tributary-node.ts';
import { tempDir } from '../../support/temp-dir.ts';

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function scalar(node: TributaryNode, sql: string): Promise<string> {
  const { rows } = await node.query(sql);
  return rows.map((r) => r.map(String).join('\t')).join('\n');
}

async function insertCodes(node: TributaryNode, from: number, count: number): Promise<void> {
  const values = Array.from({ length: count }, (_, i) => `(${from + i}, ${(from + i) % 5 === 0 ? 500 : 200})`).join(', ');
  await node.execute(`INSERT INTO logs (seq, http_code) VALUES ${values}`);
}

describe('materialized views', () => {
  test('a filtered view forwards exactly the matching rows, across restarts', async () => {
    const dataDir = tempDir('trib-mv-');
    let node = await openNode({ dataDir });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE STREAM errors (seq int64, http_code int32)');
    await insertCodes(node, 0, 10); // before the view: not forwarded (a view starts at the tail)
    await node.execute('CREATE MATERIALIZED VIEW fwd INTO errors AS SELECT * FROM logs WHERE http_code >= 400');
    for (let i = 1; i <= 5; i++) await insertCodes(node, i * 10, 10);
    await eventually('10 errors', async () => (await scalar(node, 'SELECT count() FROM table(errors)')) === '10');
    await node.close();
    node = await openNode({ dataDir });
    for (let i = 6; i <= 9; i++) await insertCodes(node, i * 10, 10);
    await eventually('18 errors', async () => (await scalar(node, 'SELECT count() FROM table(errors)')) === '18');
    assert.equal(await scalar(node, 'SELECT count(), uniq_exact(seq), min(seq), max(seq) FROM table(errors)'), '18\t18\t10\t95');
    await eventually('lag 0', async () => (await scalar(node, "SELECT state, lag_rows FROM system.tasks WHERE name = 'fwd'")) === 'RUNNING\t0');
    assert.match(await scalar(node, 'SHOW MATERIALIZED VIEWS'), /^default\tfwd\tmaterialized_view\tRUNNING\tdefault\.errors\t/);
    assert.match(await scalar(node, 'SHOW CREATE VIEW fwd'), /CREATE MATERIALIZED VIEW fwd INTO errors AS SELECT \* FROM logs WHERE http_code >= 400/);
    await node.close();
  });

  test('WHERE _tp_time > earliest_ts() replays history first; pause survives a restart', async () => {
    const dataDir = tempDir('trib-mv-');
    let node = await openNode({ dataDir });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE STREAM copy (seq int64, http_code int32)');
    await insertCodes(node, 0, 20);
    await node.execute('CREATE MATERIALIZED VIEW cp INTO copy AS SELECT * FROM logs WHERE _tp_time > earliest_ts()');
    await eventually('history copied', async () => (await scalar(node, 'SELECT count() FROM table(copy)')) === '20');
    await node.execute('SYSTEM PAUSE MATERIALIZED VIEW cp');
    await insertCodes(node, 20, 5);
    await node.close();
    node = await openNode({ dataDir });
    assert.match(await scalar(node, "SELECT state FROM system.tasks WHERE name = 'cp'"), /^PAUSED$/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await scalar(node, 'SELECT count() FROM table(copy)'), '20');
    await node.execute('SYSTEM RESUME MATERIALIZED VIEW cp');
    await eventually('resumed', async () => (await scalar(node, 'SELECT count() FROM table(copy)')) === '25');
    assert.equal(await scalar(node, 'SELECT uniq_exact(seq) FROM table(copy)'), '25');
    await node.close();
  });

  test('without INTO the view owns a target; querying the view reads it; DROP VIEW releases everything', async () => {
    const dataDir = tempDir('trib-mv-');
    const node = await openNode({ dataDir });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE MATERIALIZED VIEW bad_requests AS SELECT seq, http_code * 2 AS doubled FROM logs WHERE http_code >= 400');
    await insertCodes(node, 0, 20);
    await eventually('view rows', async () => (await scalar(node, 'SELECT count() FROM table(bad_requests)')) === '4');
    assert.equal(await scalar(node, 'SELECT sum(doubled) FROM table(bad_requests)'), '4000');
    assert.match(await scalar(node, 'SHOW STREAMS'), /__mv_bad_requests/);
    const log = node.storage.log('default', 'logs');
    assert.ok(log.consumer(`view-${node.storage.catalog.findObject('view', 'default', 'bad_requests')!.id}`) !== undefined, 'the view holds the source');
    await node.execute('DROP VIEW bad_requests');
    assert.doesNotMatch(await scalar(node, 'SHOW STREAMS'), /__mv_bad_requests/);
    assert.equal(await scalar(node, 'SELECT count() FROM system.tasks'), '0');
    assert.equal(log.getStats().nextSn, 20);
    await assert.rejects(node.query('SELECT count() FROM table(bad_requests)'), /not found/);
    await node.close();
  });

  test('a windowed view emits each window once, also when the node restarts mid-stream', async () => {
    const dataDir = tempDir('trib-mv-');
    let node = await openNode({ dataDir });
    await node.execute('CREATE STREAM readings (device string, value float64)');
    await node.execute('CREATE STREAM per_window (window_start datetime64(3, \'UTC\'), device string, c uint64, total float64)');
    await node.execute(
      "CREATE MATERIALIZED VIEW agg INTO per_window AS SELECT window_start, device, count() AS c, sum(value) AS total FROM tumble(readings, 1s) GROUP BY window_start, device",
    );
    const base = Date.UTC(2026, 0, 1);
    const write = async (second: number) => {
      const rows = [];
      for (let i = 0; i < 10; i++) rows.push(`(${base + second * 1000 + i * 50}, 'd${i % 2}', ${second})`);
      await node.execute(`INSERT INTO readings (_tp_time, device, value) VALUES ${rows.map((r) => r.replace(/^\((\d+)/, (_, t) => `(to_datetime64(${Number(t) / 1000}, 3, 'UTC')`)).join(', ')}`);
    };
    for (let s = 0; s < 5; s++) await write(s);
    await eventually('4 windows closed', async () => (await scalar(node, 'SELECT count() FROM table(per_window)')) === '8');
    await node.close();
    node = await openNode({ dataDir });
    for (let s = 5; s < 8; s++) await write(s);
    await eventually('7 windows closed', async () => (await scalar(node, 'SELECT count() FROM table(per_window)')) === '14');
    assert.equal(await scalar(node, 'SELECT count(), uniq_exact(window_start, device), sum(c), sum(total) FROM table(per_window)'), '14\t14\t70\t210');
    await node.close();
  });

  test('bad views fail at CREATE and change nothing; a target that disappears stops the view with the error', async () => {
    const dataDir = tempDir('trib-mv-');
    const node = await openNode({ dataDir });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE STREAM narrow (seq int64)');
    await assert.rejects(node.execute('CREATE MATERIALIZED VIEW v1 INTO narrow AS SELECT seq, http_code FROM logs'), /returns column 'http_code', which default\.narrow does not have/);
    await assert.rejects(node.execute('CREATE MATERIALIZED VIEW v2 INTO missing AS SELECT seq FROM logs'), /missing/);
    await assert.rejects(node.execute('CREATE MATERIALIZED VIEW v3 INTO narrow AS SELECT seq FROM table(logs)'), /streaming query/);
    await assert.rejects(node.execute('CREATE MATERIALIZED VIEW v4 INTO narrow AS SELECT seq FROM logs LIMIT 5'), /LIMIT/);
    assert.equal(await scalar(node, 'SELECT count() FROM system.tasks'), '0');
    await node.execute('CREATE MATERIALIZED VIEW v5 INTO narrow AS SELECT seq FROM logs');
    await node.execute('DROP STREAM narrow');
    await insertCodes(node, 0, 3);
    await eventually('stopped', async () => (await scalar(node, "SELECT state FROM system.tasks WHERE name = 'v5'")) === 'STOPPED').catch(async (e) => { throw new Error(e.message + ': ' + (await scalar(node, 'SELECT * FROM system.tasks'))); });
    assert.match(await scalar(node, "SELECT last_error FROM system.tasks WHERE name = 'v5'"), /narrow/);
    await node.close();
  });

  test('DROP DATABASE stops and drops its views first', async () => {
    const node = await openNode({ dataDir: tempDir('trib-mv-') });
    await node.execute('CREATE DATABASE edge');
    await node.execute('CREATE STREAM edge.logs (seq int64, http_code int32)');
    await node.execute('CREATE MATERIALIZED VIEW edge.errs AS SELECT seq FROM edge.logs WHERE http_code >= 400');
    assert.equal(await scalar(node, 'SELECT count() FROM system.tasks'), '1');
    await node.execute('DROP DATABASE edge');
    assert.equal(await scalar(node, 'SELECT count() FROM system.tasks'), '0');
    assert.doesNotMatch(await scalar(node, 'SHOW DATABASES'), /edge/);
    await node.close();
  });

  test('a checkpoint behind what the target holds (crash before it was written) resends nothing twice', async () => {
    const dataDir = tempDir('trib-mv-');
    let node = await openNode({ dataDir });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE STREAM copy (seq int64, http_code int32)');
    await node.execute('CREATE MATERIALIZED VIEW cp INTO copy AS SELECT * FROM logs');
    await node.execute('SYSTEM PAUSE MATERIALIZED VIEW cp');
    for (let i = 0; i < 50; i++) await insertCodes(node, i * 10, 10); // 50 small batches: merged when delivered
    await node.execute('SYSTEM UNPAUSE MATERIALIZED VIEW cp');
    await eventually('copied', async () => (await scalar(node, 'SELECT count() FROM table(copy)')) === '500');
    const id = node.storage.catalog.findObject('view', 'default', 'cp')!.id;
    await node.close();
    // As if the node died before writing its checkpoint: the task file says 95 rows were delivered.
    const store = new TaskStore(dataDir);
    const saved = store.load(id)!;
    await store.save(id, { ...saved, lanes: { '0': 95 } });
    node = await openNode({ dataDir });
    for (let i = 50; i < 60; i++) await insertCodes(node, i * 10, 10);
    await eventually('600 copied', async () => (await scalar(node, 'SELECT count() FROM table(copy)')) === '600');
    assert.equal(await scalar(node, 'SELECT count(), uniq_exact(seq) FROM table(copy)'), '600\t600');
    assert.equal(await scalar(node, "SELECT state, last_error FROM system.tasks WHERE name = 'cp'"), 'RUNNING\t');
    assert.match(await scalar(node, "SELECT task_id, lane, last_sn FROM system.origins WHERE stream = 'copy'"), /^view-\d+\t0\t599$/);
    await node.close();
  });

  test('a large backlog goes to a catch-up lane while live rows go at once; a restart mid-catch-up loses and repeats nothing', async () => {
    const dataDir = tempDir('trib-mv-');
    const logged: string[] = [];
    const taskLog = (_level: string, message: string) => void logged.push(message);
    let node = await openNode({ dataDir, taskLog });
    await node.execute('CREATE STREAM logs (seq int64, http_code int32)');
    await node.execute('CREATE STREAM copy (seq int64, http_code int32)');
    await node.execute('CREATE MATERIALIZED VIEW cp INTO copy AS SELECT * FROM logs');
    await node.execute('SYSTEM PAUSE MATERIALIZED VIEW cp');
    const columns = node.storage.catalog.getStream('default', 'logs').columns.map((c) => ({ name: c.name, type: c.type }));
    let seq = 0;
    const appendBatch = async (rows: number) => {
      const batch = makeBatch(columns, [
        vectorFromValues(columns[0].type, Array.from({ length: rows }, () => Date.now())),
        vectorFromValues(columns[1].type, Array.from({ length: rows }, (_, i) => seq + i)),
        vectorFromValues(columns[2].type, Array.from({ length: rows }, () => 200)),
      ]);
      seq += rows;
      await node.storage.append('default', 'logs', batch);
    };
    for (let i = 0; i < 120; i++) await appendBatch(500); // 60,000 rows of backlog
    await node.execute('SYSTEM UNPAUSE MATERIALIZED VIEW cp');
    await appendBatch(10); // live: lane 0 delivers it without waiting for the backlog
    await eventually('the live rows', async () => (await scalar(node, 'SELECT count() FROM table(copy) WHERE seq >= 60000')) === '10');
    assert.ok(logged.includes('view splits its backlog into a catch-up lane'), `the backlog went to a catch-up lane (log: ${logged.join('; ')})`);
    await node.close(); // perhaps mid-catch-up
    node = await openNode({ dataDir, taskLog });
    await appendBatch(10);
    await eventually('everything', async () => (await scalar(node, 'SELECT count() FROM table(copy)')) === '60020', 30_000);
    assert.equal(await scalar(node, 'SELECT count(), uniq_exact(seq), min(seq), max(seq) FROM table(copy)'), '60020\t60020\t0\t60019');
    await eventually('lag 0', async () => (await scalar(node, "SELECT lag_rows FROM system.tasks WHERE name = 'cp'")) === '0');
    const id = node.storage.catalog.findObject('view', 'default', 'cp')!.id;
    await node.close();
    assert.deepEqual(new TaskStore(dataDir).load(id)?.catchUps, {});
  });
});

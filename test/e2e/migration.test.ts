// The seed's migration recipe, verbatim, between two real server processes: node A holds a stream
// of 1,000,000 rows; node B runs the three statements; B ends with exactly the same rows (count,
// sums, distinct ids, min/max _tp_time), and after DROP VIEW nothing more arrives.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/net/client.ts';
import { T } from '../../src/types/data-type.ts';
import { makeBatch } from '../../src/types/batch.ts';
import { vectorFromValues } from '../../src/types/vector.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from './wait.ts';

const ROWS = 1_000_000;
const BATCH = 100_000;

describe('migration (seed recipe)', () => {
  const nodes: NodeProcess[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
  });

  test('node B copies 1,000,000 rows of node A exactly', async () => {
    const a = await startNode({ dataDir: tempDir('trib-mig-a-') });
    nodes.push(a);
    const b = await startNode({ dataDir: tempDir('trib-mig-b-') });
    nodes.push(b);
    await a.sql('CREATE STREAM streamA (id int64, device string, value float64)');
    const client = await connect({ host: '127.0.0.1', port: a.tcpPort });
    const columns = [
      { name: '_tp_time', type: T.datetime64('UTC') },
      { name: 'id', type: T.int64 },
      { name: 'device', type: T.string },
      { name: 'value', type: T.float64 },
    ];
    const base = Date.UTC(2026, 0, 1);
    for (let start = 0; start < ROWS; start += BATCH) {
      const times = new Float64Array(BATCH);
      const ids = new BigInt64Array(BATCH);
      const devices: string[] = new Array(BATCH);
      const values = new Float64Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        const id = start + i;
        times[i] = base + id;
        ids[i] = BigInt(id);
        devices[i] = `dev-${id % 97}`;
        values[i] = (id % 1000) / 4;
      }
      const batch = makeBatch(columns, [
        { kind: 'fixed', type: columns[0].type, rowCount: BATCH, data: times },
        { kind: 'fixed', type: T.int64, rowCount: BATCH, data: ids },
        vectorFromValues(T.string, devices),
        { kind: 'fixed', type: T.float64, rowCount: BATCH, data: values },
      ]);
      await client.insert('streamA', batch);
    }
    client.close();

    // The seed's three statements, as written (with a real host).
    await b.sql('CREATE STREAM streamA(id int64, device string, value float64)');
    await b.sql(`CREATE EXTERNAL STREAM streama_proton
SETTINGS type='timeplus',hosts='127.0.0.1:${a.tcpPort}',stream='streamA'`);
    await b.sql(`CREATE MATERIALIZED VIEW proton_to_tp_enterprise INTO streamA
AS SELECT * FROM streama_proton WHERE _tp_time>earliest_ts()`);

    await waitFor(async () => (await b.sql('SELECT count() FROM table(streamA)')).trim() === String(ROWS), 120_000, async () => `B has ${(await b.sql('SELECT count() FROM table(streamA)')).trim()} rows; tasks: ${await b.sql('SELECT * FROM system.tasks')}`);
    const check = 'SELECT count(), sum(id), uniq_exact(id), sum(value), uniq_exact(device), min(_tp_time), max(_tp_time) FROM table(streamA)';
    const expected = await a.sql(check);
    assert.equal(await b.sql(check), expected);
    // Once everything is in, the view can go (the seed's last step); B keeps the rows.
    await b.sql('DROP VIEW proton_to_tp_enterprise');
    assert.equal(await b.sql(check), expected);
    assert.equal((await b.sql('SELECT count() FROM system.tasks')).trim(), '0');
  });
});

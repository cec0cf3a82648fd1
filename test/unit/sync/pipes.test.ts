// Pipe statements on one in-process node (no receiver needed): IoTDB 1.3.0's initial state, the
// plugin list, PIPESINK rules and the errors a user meets first. Transfers between real nodes are
// in test/e2e/pipes.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openNode } from '../../../src/tributary-node.ts';
import type { TributaryNode } from '../../../src/engine/node.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { valueAt } from '../../../src/types/vector.ts';

async function rowCount(node: TributaryNode, sql: string): Promise<number> {
  const result = await node.session().execute(sql);
  if (result.kind !== 'rows') throw new Error(`${sql}: ${result.kind}`);
  return result.rowCount;
}

async function showPipe(node: TributaryNode, name: string): Promise<Record<string, unknown>> {
  const result = await node.session().execute(`SHOW PIPE ${name}`);
  if (result.kind !== 'rows') throw new Error('no rows');
  const names = result.schema.map((c) => c.name);
  const batch = result.batches[0]!;
  return Object.fromEntries(names.map((n, i) => [n, valueAt(batch.vectors[i]!, 0)]));
}

describe('pipe statements on one node', () => {
  test('pipe_initial_state STOPPED (IoTDB 1.3.0): a new pipe waits for START PIPE', async () => {
    const node = await openNode({ dataDir: tempDir('trib-pipes-'), pipes: { initialState: 'STOPPED' } });
    try {
      await node.session().execute(`CREATE PIPE p WITH SINK ('sink'='do-nothing-sink')`);
      assert.equal((await showPipe(node, 'p')).State, 'STOPPED');
      await node.session().execute('START PIPE p');
      assert.equal((await showPipe(node, 'p')).State, 'RUNNING');
    } finally {
      await node.close();
    }
  });

  test('a pipe survives a restart with its state; a do-nothing sink consumes everything', async () => {
    const dir = tempDir('trib-pipes-');
    let node = await openNode({ dataDir: dir });
    await node.session().execute('INSERT INTO root.db.d(time, m) values (1, 1), (2, 2)');
    await node.session().execute(`CREATE PIPE keep WITH SINK ('sink'='do-nothing-sink')`);
    await node.session().execute(`CREATE PIPE held WITH SINK ('sink'='do-nothing-sink')`);
    await node.session().execute('STOP PIPE held');
    const deadline = Date.now() + 5_000;
    while (Number((await showPipe(node, 'keep')).RemainingEventCount) !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(Number((await showPipe(node, 'keep')).RemainingEventCount), 0);
    assert.equal(Number((await showPipe(node, 'held')).RemainingEventCount), 2);
    await node.close();
    node = await openNode({ dataDir: dir });
    try {
      assert.equal((await showPipe(node, 'keep')).State, 'RUNNING');
      assert.equal((await showPipe(node, 'held')).State, 'STOPPED');
      assert.equal(Number((await showPipe(node, 'held')).RemainingEventCount), 2);
    } finally {
      await node.close();
    }
  });

  test('SHOW PIPEPLUGINS, PIPESINK errors, a legacy pipe to a missing sink', async () => {
    const node = await openNode({ dataDir: tempDir('trib-pipes-') });
    const session = node.session();
    try {
      const plugins = await rowCount(node, 'SHOW PIPEPLUGINS');
      assert.ok(plugins >= 9);
      await assert.rejects(session.execute('CREATE PIPE p TO nowhere'), /PIPESINK \[nowhere\] does not exist/);
      await assert.rejects(session.execute("CREATE PIPESINK s AS Kafka (ip='127.0.0.1')"), /IoTDB/);
      await assert.rejects(session.execute("CREATE PIPESINK s AS IoTDB (ip='127.0.0.1', port=70000)"), /port/);
      await session.execute("CREATE PIPESINK s AS IoTDB (ip='127.0.0.1', port=6667)");
      await assert.rejects(session.execute('DROP PIPESINK missing'), /PIPESINK \[missing\] does not exist/);
      await assert.rejects(session.execute("CREATE PIPE p TO s FROM (select s0 from root.vehicle)"), /\*\*/);
      await session.execute('DROP PIPESINK s');
      await assert.rejects(session.execute('SHOW PIPE nothing'), /PIPE \[nothing\] does not exist/);
      await assert.rejects(session.execute(`CREATE PIPE bad WITH SOURCE ('pattern'='vehicle') WITH SINK ('sink'='do-nothing-sink')`), /root/);
      await assert.rejects(session.execute(`CREATE PIPE bad WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='6667', 'typo'='1')`), /typo/);
      assert.equal(await rowCount(node, 'SHOW PIPES'), 0);
    } finally {
      await node.close();
    }
  });
});

describe('pipe receiver: batches from a stream with NOT NULL columns', () => {
  test('T arrives in the receiver’s nullable(T) series, times in its time zone, values untouched', async () => {
    const { makeBatch } = await import('../../../src/types/batch.ts');
    const { vectorFromValues } = await import('../../../src/types/vector.ts');
    const { T } = await import('../../../src/types/data-type.ts');
    const node = await openNode({ dataDir: tempDir('trib-pipes-') });
    try {
      const columns = [
        { name: '_tp_time', type: T.datetime64() },
        { name: 'device', type: T.string },
        { name: 'temp', type: T.float64 },
      ];
      const batch = makeBatch(columns, [vectorFromValues(columns[0]!.type, [1000, 2000]), vectorFromValues(T.string, ['a', 'b']), vectorFromValues(T.float64, [1.5, 2.5])]);
      const receiver = node.pipeReceiver;
      const options = new Map([['pipe', 'p'], ['auto_create', 'true']]);
      const target = await receiver.prepare(() => undefined, { ip: '127.0.0.1', nodeId: 'sender' }, 'root.nn', 'd', batch.columns, options);
      const conformed = receiver.conform(target!, batch);
      assert.equal(conformed.vectors[1]!.kind, 'nullable');
      await node.storage.append('root.nn', 'd', conformed);
      const result = await node.session().execute('SELECT device, temp FROM table(root.nn.d) ORDER BY _tp_time FORMAT TabSeparated');
      assert.equal(result.kind, 'rows');
      const rowsOut = result.kind === 'rows' ? result.batches.flatMap((b) => Array.from({ length: b.rowCount }, (_, r) => [valueAt(b.vectors[0]!, r), valueAt(b.vectors[1]!, r)])) : [];
      assert.deepEqual(rowsOut, [['a', 1.5], ['b', 2.5]]);
    } finally {
      await node.close();
    }
  });
});

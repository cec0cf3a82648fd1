// IoTDB pipes between real nodes (`tributary server` processes): the statements of both seeds run
// as written (IoTDB 1.3 data sync, the 1.1 edge-cloud sync tool), with the data checked on the
// receiver; history → realtime hand-over under load; state transitions; SIGKILL of the sender and
// of the receiver during a pipe (exactly-once, row by row); the receiver's ip_white_list; DROP
// PIPESINK while in use; USE_PIPE.
//
// Node A listens on 6667 and B on 6668 where those ports are free (the seeds' addresses); else on
// free ports, with the seeds' port numbers replaced in the SQL.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from './wait.ts';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `;`-separated statements one by one (the seeds' scripts). */
async function script(node: NodeProcess, text: string): Promise<void> {
  for (const statement of text.split(';').map((s) => s.trim()).filter((s) => s !== '')) await node.sql(statement);
}

/** SHOW PIPES as objects (TabSeparatedWithNames). */
async function showPipes(node: NodeProcess, sql = 'SHOW PIPES'): Promise<Record<string, string>[]> {
  const text = await node.sql(`${sql} FORMAT TabSeparatedWithNames`);
  const [header, ...lines] = text.trimEnd().split('\n');
  if (header === undefined || header === '') return [];
  const names = header.split('\t');
  return lines.filter((l) => l !== '').map((line) => Object.fromEntries(line.split('\t').map((v, i) => [names[i]!, v])));
}

describe('IoTDB pipes between two nodes', () => {
  let a: NodeProcess;
  let b: NodeProcess;
  const nodes: NodeProcess[] = [];
  before(async () => {
    const aPort = (await portFree(6667)) ? 6667 : undefined;
    const bPort = (await portFree(6668)) ? 6668 : undefined;
    a = await startNode({ dataDir: tempDir('trib-pipe-a-'), tcpPort: aPort });
    nodes.push(a);
    b = await startNode({ dataDir: tempDir('trib-pipe-b-'), tcpPort: bPort });
    nodes.push(b);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
  });
  /** The seed's SQL with its receiver port replaced by B's. */
  const toB = (sql: string) => sql.replaceAll("'6668'", `'${b.tcpPort}'`).replaceAll('6668', String(b.tcpPort));

  test('1.3 quick start, verbatim: A → B full sync', async () => {
    await a.sql(
      toB(`create pipe a2b
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`),
    );
    await a.sql('start pipe a2b');
    await a.sql('INSERT INTO root.db.d(time, m) values (1, 1)');
    const expected = await a.sql('SELECT ** FROM root');
    assert.match(expected, /\t1\n$/);
    await waitFor(async () => (await b.sql('SELECT ** FROM root')) === expected, 30_000, async () => `B: ${await b.sql('SELECT ** FROM root')}; A pipes: ${JSON.stringify(await showPipes(a))}`);
    const [row] = await showPipes(a, 'SHOW PIPE a2b');
    assert.equal(row!.ID, 'a2b');
    assert.equal(row!.State, 'RUNNING');
    assert.match(row!.PipeSink, /iotdb-thrift-sink/);
    assert.equal(row!.RemainingEventCount, '0');
    await a.sql('DROP PIPE a2b');
    assert.deepEqual(await showPipes(a), []);
  });

  test("the seed's other CREATE PIPE examples, as written (run on B, which syncs to A on 6667)", async () => {
    const toA = (sql: string) => sql.replaceAll("'6667'", `'${a.tcpPort}'`);
    // History on B: one row inside the example's historical range, one after it.
    await b.sql('INSERT INTO root.timecho.d(time, s) values (1420070400000, 1), (1685577600000, 2)');
    await b.sql(
      toA(`CREATE PIPE timecho_full -- PipeId is the name that uniquely identifies the sync task
WITH SOURCE (
-- Default IoTDB Data Extraction Plugin
'source' = 'iotdb-source',
-- Path prefix, only data that can match the path prefix will be extracted for subsequent processing and delivery
'source.pattern' = 'root.timecho',
-- Describes the time range of the data being extracted, indicating the earliest possible time
'source.historical.start-time' = '2011.12.03T10:15:30+01:00',
-- Describes the time range of the extracted data, indicating the latest time
'source.historical.end-time' = '2022.12.03T10:15:30+01:00',
)
WITH PROCESSOR (
-- Default data processing plugin, means no processing
'processor' = 'do-nothing-processor',
)
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`),
    );
    // Realtime rows are not bounded by the historical range.
    await b.sql('INSERT INTO root.timecho.d(time, s) values (1893456000000, 3)');
    const times = async () => (await a.sql('SELECT s FROM table(root.timecho.d) ORDER BY s')).trim();
    await waitFor(async () => (await times()) === '1\n3', 30_000, async () => `A: ${await times().catch((e: Error) => e.message)}; ${JSON.stringify(await showPipes(b, 'SHOW PIPE timecho_full'))}`);
    await b.sql('DROP PIPE timecho_full');
    await b.sql(
      toA(`CREATE PIPE timecho_min -- PipeId is a name that uniquely identifies the task.
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`),
    );
    await b.sql('DROP PIPE timecho_min');
    // The 1.3.1+ prefix example, both spellings (the air-gap sink delivers as the sync sink here).
    await a.sql(toB(`create pipe A2B
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`));
    await a.sql('DROP PIPE A2B');
    await a.sql(toB(`create pipe A2B
with sink (
'sink'='iotdb-air-gap-sink',
'ip'='127.0.0.1',
'port'='6668'
)`));
    await a.sql('DROP PIPE A2B');
  });

  test('state transitions: RUNNING on create, STOP/START, DROP without STOP; an unknown pipe is an error', async () => {
    await a.sql(`CREATE PIPE states WITH SINK ('sink'='do-nothing-sink')`);
    assert.equal((await showPipes(a, 'SHOW PIPE states'))[0]!.State, 'RUNNING');
    await a.sql('STOP PIPE states');
    assert.equal((await showPipes(a, 'SHOW PIPE states'))[0]!.State, 'STOPPED');
    await a.sql('START PIPE states');
    assert.equal((await showPipes(a, 'SHOW PIPE states'))[0]!.State, 'RUNNING');
    await assert.rejects(a.sql(`CREATE PIPE states WITH SINK ('sink'='do-nothing-sink')`), /same name/);
    await a.sql(`CREATE PIPE IF NOT EXISTS states WITH SINK ('sink'='do-nothing-sink')`);
    await a.sql('DROP PIPE states');
    await assert.rejects(a.sql('START PIPE states'), /PIPE \[states\] does not exist/);
    await a.sql('DROP PIPE IF EXISTS states');
    await assert.rejects(a.sql(`CREATE PIPE bad WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1')`), /port/);
    await assert.rejects(a.sql(`CREATE PIPE self WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${a.tcpPort}')`), /this node itself/);
  });

  test('sink sharing (the seed example): equal sink key/value sets in any order share one instance', async () => {
    await a.sql(`CREATE PIPE pipe1
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.ip' = 'localhost',
'sink.port' = '9999',
)`);
    await a.sql(`CREATE PIPE pipe2
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.port' = '9999',
'sink.ip' = 'localhost',
)`);
    await a.sql(`CREATE PIPE pipe3 WITH SINK ('sink' = 'iotdb-thrift-sink', 'sink.ip' = 'localhost', 'sink.port' = '9998')`);
    const users = (await showPipes(a, 'SHOW PIPES WHERE SINK USED BY pipe1')).map((r) => r.ID).sort();
    assert.deepEqual(users, ['pipe1', 'pipe2']);
    // Nothing listens on 9999: the pipes keep RUNNING and say why they retry.
    await waitFor(async () => (await showPipes(a, 'SHOW PIPE pipe1'))[0]!.ExceptionMessage.startsWith('WARN'), 20_000, async () => JSON.stringify(await showPipes(a)));
    assert.equal((await showPipes(a, 'SHOW PIPE pipe1'))[0]!.State, 'RUNNING');
    const plugins = await a.sql('SHOW PIPEPLUGINS');
    assert.match(plugins, /DO-NOTHING-PROCESSOR/);
    for (const name of ['pipe1', 'pipe2', 'pipe3']) await a.sql(`DROP PIPE ${name}`);
  });

  test('source pattern, time bounds, history then realtime under load: exactly the selected rows, once', async () => {
    // History: times 1000..1999 on two devices, one outside the pattern.
    for (let t = 1000; t < 2000; t += 100) {
      const rows = Array.from({ length: 100 }, (_, i) => `(${t + i}, ${t + i}, 'v${t + i}')`).join(', ');
      await a.sql(`INSERT INTO root.hist.d1(time, s1, s2) values ${rows}`);
    }
    await a.sql("INSERT INTO root.hist.x9(time, s1) values (1500, 7)");
    await a.sql(`CREATE PIPE hist
WITH SOURCE ('source'='iotdb-source', 'source.pattern'='root.hist.d', 'source.history.start-time'='1970-01-01T00:00:01.500Z', 'source.history.end-time'='1699')
WITH SINK ('sink'='iotdb-thrift-sync-sink', 'sink.node-urls'='127.0.0.1:${b.tcpPort}')`);
    // Realtime, while the pipe runs: times 0..499 (before the history bounds: realtime is unbounded).
    let t = 0;
    while (t < 500) {
      const rows = Array.from({ length: 25 }, (_, i) => `(${t + i}, ${t + i}, 'r${t + i}')`).join(', ');
      await a.sql(`INSERT INTO root.hist.d1(time, s1, s2) values ${rows}`);
      t += 25;
    }
    const expected = new Set<number>();
    for (let x = 1500; x <= 1699; x++) expected.add(x);
    for (let x = 0; x < 500; x++) expected.add(x);
    const received = async () => (await b.sql('SELECT s1 FROM table(root.hist.d1) ORDER BY s1')).trim().split('\n').filter((l) => l !== '').map(Number);
    await waitFor(async () => (await received()).length >= expected.size, 30_000, async () => `B has ${(await received()).length} of ${expected.size}; ${JSON.stringify(await showPipes(a, 'SHOW PIPE hist'))}`);
    await pause(500);
    const got = await received();
    assert.equal(got.length, expected.size, 'no row twice, none missing');
    assert.deepEqual(new Set(got), expected);
    assert.doesNotMatch(await b.sql('SELECT ** FROM root.hist'), /x9/);
    await a.sql('DROP PIPE hist');
  });

  test('processors: filter-processor and down-sampling-processor', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `(${10_000 + i * 100}, ${i}, ${i % 2 === 0 ? 'true' : 'false'})`).join(', ');
    await a.sql(`INSERT INTO root.proc.d(time, v, b) values ${rows}`);
    await a.sql(`CREATE PIPE filtered WITH SOURCE ('pattern'='root.proc.d.v')
WITH PROCESSOR ('processor'='filter-processor', 'filter'='v >= 90')
WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${b.tcpPort}')`);
    await waitFor(async () => (await b.sql('SELECT count() FROM table(root.proc.d)')).trim() === '10', 30_000, async () => JSON.stringify(await showPipes(a, 'SHOW PIPE filtered')));
    assert.equal((await b.sql('SELECT min(v), max(v) FROM table(root.proc.d)')).trim(), '90\t99');
    await a.sql('DROP PIPE filtered');
    // 100 rows 100 ms apart → 1 s windows of 10 rows; the last window closes when a later row comes.
    await a.sql(`CREATE PIPE sampled WITH SOURCE ('pattern'='root.proc.d.v')
WITH PROCESSOR ('processor'='down-sampling-processor', 'down-sampling.interval-seconds'='1', 'down-sampling.function'='max')
WITH SINK ('sink'='iotdb-thrift-sink', 'node-urls'='127.0.0.1:${b.tcpPort}')`);
    // A later row closes the last window (emission follows the data, never the wall clock).
    await a.sql('INSERT INTO root.proc.d(time, v) values (30000, 0)');
    // The windows go to the same series on B: one row per second, stamped with the window start.
    await waitFor(async () => Number((await b.sql('SELECT count() FROM table(root.proc.d)')).trim()) >= 20, 30_000, async () => JSON.stringify(await showPipes(a, 'SHOW PIPE sampled')));
    await pause(300);
    const got = (await b.sql('SELECT v FROM table(root.proc.d)')).trim().split('\n').map(Number).sort((x, y) => x - y);
    const windows = Array.from({ length: 10 }, (_, w) => w * 10 + 9);
    const filtered = Array.from({ length: 10 }, (_, i) => 90 + i);
    assert.deepEqual(got, [...windows, ...filtered].sort((x, y) => x - y));
    await a.sql('DROP PIPE sampled');
  });

  test('SIGKILL of the sender and of the receiver during a pipe: every acknowledged row arrives once', async () => {
    await a.sql(`CREATE PIPE crash WITH SOURCE ('pattern'='root.crash') WITH SINK ('sink'='iotdb-thrift-async-sink', 'ip'='127.0.0.1', 'port'='${b.tcpPort}')`);
    const acknowledged: number[] = [];
    let seq = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const first = seq;
        const rows = Array.from({ length: 40 }, () => {
          const s = seq++;
          return `(${s}, ${s})`;
        }).join(', ');
        try {
          await a.sql(`INSERT INTO root.crash.dev(time, seq) values ${rows}`, {}, { timeoutMs: 5_000 });
          for (let s = first; s < seq; s++) acknowledged.push(s);
        } catch {
          await pause(50);
        }
        await pause(5);
      }
    })();
    const count = async () => Number((await b.sql('SELECT count() FROM table(root.crash.dev)')).trim());
    await waitFor(async () => (await count()) > 200, 30_000, () => 'no rows at B');
    await a.kill();
    await pause(300);
    await a.restart();
    const afterSender = await count();
    await waitFor(async () => (await count()) > afterSender + 200, 30_000, async () => `B stuck at ${afterSender}: ${JSON.stringify(await showPipes(a, 'SHOW PIPE crash'))}`);
    await b.kill();
    await pause(700);
    await b.restart();
    const afterReceiver = await count().catch(() => 0);
    await waitFor(async () => (await count()) > afterReceiver + 200, 30_000, async () => `B stuck at ${afterReceiver}: ${JSON.stringify(await showPipes(a, 'SHOW PIPE crash'))}`);
    writing = false;
    await writer;
    const sent = Number((await a.sql('SELECT count() FROM table(root.crash.dev)')).trim());
    await waitFor(async () => (await count()) >= sent, 60_000, async () => `B has ${await count()} of ${sent}`);
    const got = (await b.sql('SELECT seq FROM table(root.crash.dev) ORDER BY seq')).trim().split('\n').map(Number);
    const stored = (await a.sql('SELECT seq FROM table(root.crash.dev) ORDER BY seq')).trim().split('\n').map(Number);
    assert.equal(got.length, stored.length, 'no row twice');
    assert.deepEqual(got, stored, 'the receiver holds exactly what the sender stored');
    const have = new Set(got);
    for (const s of acknowledged) assert.ok(have.has(s), `acknowledged row ${s} arrived`);
    await a.sql('DROP PIPE crash');
  });

  test('history → realtime hand-over under load: the pipe is created mid-stream; every row once', async () => {
    let seq = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const rows = Array.from({ length: 20 }, () => {
          const s = seq++;
          return `(${s}, ${s})`;
        }).join(', ');
        await a.sql(`INSERT INTO root.hand.d(time, seq) values ${rows}`);
      }
    })();
    await waitFor(async () => seq > 400, 10_000, () => 'writer too slow');
    await a.sql(`CREATE PIPE handover WITH SOURCE ('pattern'='root.hand') WITH SINK ('sink'='iotdb-thrift-async-sink', 'ip'='127.0.0.1', 'port'='${b.tcpPort}')`);
    await pause(1_000);
    writing = false;
    await writer;
    const sent = (await a.sql('SELECT seq FROM table(root.hand.d) ORDER BY seq')).trim().split('\n').map(Number);
    const received = async () => (await b.sql('SELECT seq FROM table(root.hand.d) ORDER BY seq')).trim().split('\n').filter((l) => l !== '').map(Number);
    await waitFor(async () => (await received()).length >= sent.length, 30_000, async () => `B has ${(await received()).length} of ${sent.length}`);
    await pause(300);
    assert.deepEqual(await received(), sent);
    await a.sql('DROP PIPE handover');
  });

  test('legacy sink (protocol 1), gzip and a rate limit, node-urls failing over past a dead receiver', async () => {
    const dead = await (async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    })();
    await a.sql("INSERT INTO root.leg.d(time, s0, s1) values (1, 10, 'a'), (2, 20, 'b')");
    await a.sql(`CREATE PIPE legacy WITH SOURCE ('pattern'='root.leg') WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'sink.ip'='127.0.0.1', 'sink.port'='${b.tcpPort}', 'sink.version'='1.1')`);
    const expected = await a.sql('select ** from root.leg');
    await waitFor(async () => (await b.sql('select ** from root.leg')) === expected, 30_000, async () => `B: ${await b.sql('select ** from root.leg').catch((e: Error) => e.message)}; ${JSON.stringify(await showPipes(a, 'SHOW PIPE legacy'))}`);
    await a.sql('DROP PIPE legacy');

    const rows = Array.from({ length: 2000 }, (_, i) => `(${i}, ${i}, 'text ${i} ${'x'.repeat(40)}')`).join(', ');
    await a.sql(`INSERT INTO root.zip.d(time, n, t) values ${rows}`);
    await a.sql(`CREATE PIPE zipped WITH SOURCE ('pattern'='root.zip')
WITH SINK ('sink'='iotdb-thrift-sync-sink', 'node-urls'='127.0.0.1:${dead},127.0.0.1:${b.tcpPort}', 'compressor'='gzip', 'rate-limit-bytes-per-second'='100000', 'batch.size-bytes'='16384')`);
    await waitFor(async () => (await b.sql('SELECT count() FROM table(root.zip.d)')).trim() === '2000', 60_000, async () => JSON.stringify(await showPipes(a, 'SHOW PIPE zipped')));
    assert.equal(await b.sql('select ** from root.zip'), await a.sql('select ** from root.zip'));
    await a.sql('DROP PIPE zipped');
    await assert.rejects(a.sql(`CREATE PIPE lz WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='1', 'compressor'='lz4')`), /not available/);
  });

  test('loops: A → B is refused while B pipes into A', async () => {
    await b.sql(`CREATE PIPE back WITH SOURCE ('pattern'='root.loopb') WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${a.tcpPort}')`);
    await waitFor(async () => (await b.sql("SELECT receiver_node_id FROM system.pipes WHERE name = 'back'")).trim() !== '', 10_000, () => 'B never reached A');
    await assert.rejects(a.sql(`CREATE PIPE forth WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${b.tcpPort}')`), /loop A → B → A/);
    await b.sql('DROP PIPE back');
  });

  test('USE_PIPE is required for every pipe statement', async () => {
    await a.sql("CREATE USER piper IDENTIFIED BY 'pw'");
    const asPiper = async (sql: string) => {
      const response = await fetch(`${a.url}/?query=${encodeURIComponent(sql)}`, { method: 'POST', headers: { 'X-ClickHouse-User': 'piper', 'X-ClickHouse-Key': 'pw' } });
      return { status: response.status, body: await response.text() };
    };
    for (const sql of [`CREATE PIPE p WITH SINK ('sink'='do-nothing-sink')`, 'SHOW PIPES', 'START PIPE p', 'DROP PIPE p', "CREATE PIPESINK s AS IoTDB (ip='127.0.0.1', port=6667)"]) {
      const result = await asPiper(sql);
      assert.notEqual(result.status, 200, sql);
      assert.match(result.body, /USE_PIPE/, sql);
    }
    await a.sql('GRANT USE_PIPE ON *.* TO piper');
    assert.equal((await asPiper(`CREATE PIPE piped WITH SINK ('sink'='do-nothing-sink')`)).status, 200);
    assert.equal((await asPiper('DROP PIPE piped')).status, 200);
  });
});

describe('IoTDB 1.1 edge-cloud sync tool between two nodes', () => {
  const nodes: NodeProcess[] = [];
  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
  });

  test('the usage example: select ** from root.vehicle equal on both sides; SHOW PIPE on both ends; PIPESINK rules', async () => {
    const receiver = await startNode({ dataDir: tempDir('trib-sync-recv-') });
    nodes.push(receiver);
    const sender = await startNode({ dataDir: tempDir('trib-sync-send-') });
    nodes.push(sender);
    assert.equal((await sender.sql('SHOW PIPESINKTYPE')).trim(), 'IoTDB');
    // The seed's address (IP='192.168.0.2',PORT=6667) is the receiver's: here it is on loopback.
    await sender.sql(`CREATE PIPESINK my_iotdb AS IoTDB (IP='127.0.0.1',PORT=${receiver.tcpPort})`);
    await assert.rejects(sender.sql(`CREATE PIPESINK my_iotdb AS IoTDB (IP='127.0.0.1',PORT=${receiver.tcpPort})`), /PIPESINK \[my_iotdb\] already exists/);
    assert.equal((await sender.sql('SHOW PIPESINK my_iotdb')).trim(), `my_iotdb\tIoTDB\tip='127.0.0.1',port=${receiver.tcpPort}`);
    await sender.sql("CREATE PIPE p TO my_iotdb FROM (select ** from root where time>='2022-03-30 00:00:00')");
    await assert.rejects(sender.sql('CREATE PIPE p TO my_iotdb'), /PIPE \[p\] is STOP, please retry after drop it/);
    await assert.rejects(sender.sql('DROP PIPESINK my_iotdb'), /Can not drop PIPESINK \[my_iotdb\], because PIPE \[p\] is using it/);
    await sender.sql('START PIPE p');
    const [senderRow] = await showPipes(sender, 'SHOW PIPE p');
    assert.equal(senderRow!.role, 'sender');
    assert.equal(senderRow!.remote, 'my_iotdb');
    assert.equal(senderRow!.status, 'RUNNING');
    assert.match(senderRow!.attributes, /SyncDelOp=false,DataStartTimestamp=\d+/);
    await script(
      sender,
      `CREATE DATABASE root.vehicle;
CREATE TIMESERIES root.vehicle.d0.s0 WITH DATATYPE=INT32, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d0.s1 WITH DATATYPE=TEXT, ENCODING=PLAIN;
CREATE TIMESERIES root.vehicle.d1.s2 WITH DATATYPE=FLOAT, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d1.s3 WITH DATATYPE=BOOLEAN, ENCODING=PLAIN;
insert into root.vehicle.d0(timestamp,s0) values(now(),10);
insert into root.vehicle.d0(timestamp,s0,s1) values(now(),12,'12');
insert into root.vehicle.d0(timestamp,s1) values(now(),'14');
insert into root.vehicle.d1(timestamp,s2) values(now(),16.0);
insert into root.vehicle.d1(timestamp,s2,s3) values(now(),18.0,true);
insert into root.vehicle.d1(timestamp,s3) values(now(),false);
flush;`,
    );
    const expected = await sender.sql('select ** from root.vehicle');
    assert.equal(expected.trim().split('\n').length, 6);
    await waitFor(async () => (await receiver.sql('select ** from root.vehicle')) === expected, 30_000, async () => `receiver: ${await receiver.sql('select ** from root.vehicle').catch((e: Error) => e.message)}`);
    const [receiverRow] = await showPipes(receiver, 'SHOW PIPES');
    assert.equal(receiverRow!.name, 'p');
    assert.equal(receiverRow!.role, 'receiver');
    assert.equal(receiverRow!.remote, '127.0.0.1');
    assert.equal(receiverRow!.status, 'RUNNING');
    assert.match(receiverRow!.attributes, /Database='root\.vehicle'/);
    await sender.sql('STOP PIPE p');
    assert.equal((await showPipes(sender, 'SHOW PIPE p'))[0]!.status, 'STOP');
    await waitFor(async () => (await showPipes(receiver, 'SHOW PIPE p'))[0]!.status === 'STOP', 10_000, () => 'receiver did not learn STOP');
    await sender.sql('START PIPE p');
    await sender.sql('DROP PIPE p');
    await sender.sql('DROP PIPESINK my_iotdb');
    assert.equal((await sender.sql('SHOW PIPESINKS')).trim(), '');
  });

  test('ip_white_list: a sender outside it is refused and its pipe shows ERROR with the reason', async () => {
    const dir = tempDir('trib-sync-wl-');
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'ip_white_list: 192.168.0.1/32\n');
    const receiver = await startNode({ dataDir: join(dir, 'data'), extraArgs: ['--config', config] });
    nodes.push(receiver);
    const sender = await startNode({ dataDir: tempDir('trib-sync-wl-send-') });
    nodes.push(sender);
    await sender.sql(`CREATE PIPESINK guarded AS IoTDB (ip='127.0.0.1', port=${receiver.tcpPort})`);
    await sender.sql('CREATE PIPE refused TO guarded');
    await sender.sql('START PIPE refused');
    await sender.sql('insert into root.wl.d0(timestamp,s0) values(1,10)');
    await waitFor(async () => (await showPipes(sender, 'SHOW PIPE refused'))[0]!.message.startsWith('ERROR'), 20_000, async () => JSON.stringify(await showPipes(sender)));
    const [row] = await showPipes(sender, 'SHOW PIPE refused');
    assert.match(row!.message, /white list/);
    assert.equal((await receiver.sql("SELECT count() FROM system.databases WHERE name = 'root.wl'").catch(() => '0')).trim(), '0');
  });
});

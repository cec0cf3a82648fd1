// HTTP inserts against a real server process, for what the ingest fast path changed: JSONEachRow
// bodies read as bytes by the columnar reader, body buffers reused from request to request (so many
// inserts of different sizes, one after another and at once, must each store exactly their rows),
// gzip bodies, bodies the reader declines, and malformed rows named by line and column.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../support/temp-dir.ts';
import { type ServerProcess, ok, post, startServerProcess } from './http-launcher.ts';

function rows(from: number, count: number, tag: string): string {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++) {
    lines.push(JSON.stringify({ _tp_time: 1_767_225_600 + i / 1000, id: i, tag: `${tag}-${i}`, note: i % 7 === 0 ? null : `n${i % 13}`, v: i / 4, ok: i % 2 === 0 }));
  }
  return `${lines.join('\n')}\n`;
}

async function insert(server: ServerProcess, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const target = new URL(server.url);
  target.searchParams.set('query', 'INSERT INTO ingest FORMAT JSONEachRow');
  const response = await fetch(target, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text() };
}

describe('HTTP JSONEachRow ingest (real server process)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess(tempDir('trib-http-ingest-'));
    await ok(server.url, 'CREATE STREAM ingest (id int64, tag string, note nullable(string), v float64, ok bool)');
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test('bodies of many sizes, one after another and at once, each store exactly their rows', async () => {
    const sizes = [3000, 10, 20_000, 1, 700, 5000, 12_000, 2];
    let from = 0;
    const expected: string[] = [];
    const sequential = sizes.map((count) => {
      const body = rows(from, count, 'seq');
      from += count;
      return body;
    });
    for (const body of sequential) assert.deepEqual(await insert(server, body), { status: 200, text: '' });
    const concurrent = sizes.map((count) => {
      const body = rows(from, count, 'par');
      from += count;
      return body;
    });
    const answers = await Promise.all(concurrent.map((body) => insert(server, body)));
    for (const answer of answers) assert.deepEqual(answer, { status: 200, text: '' });
    for (const body of [...sequential, ...concurrent]) {
      for (const line of body.trim().split('\n')) {
        const row = JSON.parse(line) as { id: number; tag: string; note: string | null; v: number; ok: boolean };
        expected[row.id] = [row.id, row.tag, row.note ?? '\\N', row.v, row.ok].join('\t');
      }
    }
    const stored = await ok(server.url, 'SELECT id, tag, note, v, ok FROM table(ingest) ORDER BY id');
    assert.equal(stored, `${expected.join('\n')}\n`);
  });

  test('gzip bodies, and bodies the columnar reader declines, insert the same way', async () => {
    await ok(server.url, 'CREATE STREAM mixed (id int64, tag string, tags array(string))');
    const target = new URL(server.url);
    target.searchParams.set('query', 'INSERT INTO mixed FORMAT JSONEachRow');
    const plain = '{"id":1,"tag":"a","tags":["x"]}\n{"id":2,"tag":"b\\u00e9","tags":[]}\n';
    const zipped = '{"id":3,"tag":"c"}\n{"id":4,"tag":"d"}\n';
    assert.equal((await fetch(target, { method: 'POST', body: plain })).status, 200);
    assert.equal((await fetch(target, { method: 'POST', body: gzipSync(zipped), headers: { 'Content-Encoding': 'gzip' } })).status, 200);
    assert.equal(await ok(server.url, 'SELECT id, tag, tags FROM table(mixed) ORDER BY id'), "1\ta\t['x']\n2\tbé\t[]\n3\tc\t[]\n4\td\t[]\n");
  });

  test('malformed rows answer 400-class errors naming the line and column; nothing is written', async () => {
    await ok(server.url, 'CREATE STREAM strict (id int64, tag string)');
    const target = new URL(server.url);
    target.searchParams.set('query', 'INSERT INTO strict FORMAT JSONEachRow');
    const cases: [string, RegExp][] = [
      ['{"id":1,"tag":"a"}\n{"id":2,"tag":"b"\n', /JSONEachRow line 2, column 18: expected ',' or '}' after the value of 'tag', got the end of the line/],
      ['{"id":1,"tag":"a"}\n{"id":2,"tag":b}\n', /JSONEachRow line 2, column 15: expected a value for 'tag', got 'b'/],
      ['{"id":1,"tag":"a"}\n{"id":2,"nope":"b"}\n', /JSONEachRow row 2: unknown column 'nope'/],
      ['{"id":"x","tag":"a"}\n', /column 'id': .*cannot convert 'x' to int64 \(row 1\)/],
    ];
    for (const [body, message] of cases) {
      const response = await fetch(target, { method: 'POST', body });
      const text = await response.text();
      assert.ok(response.status >= 400 && response.status < 500, `${response.status} ${text}`);
      assert.match(text, message);
    }
    assert.equal(await ok(server.url, 'SELECT count() FROM table(strict)'), '0\n');
  });

  test('after all of that the server still answers queries over reused buffers correctly', async () => {
    const text = await post(server.url, 'SELECT count(), sum(id) FROM table(ingest)');
    assert.equal(text.status, 200);
    const n = 2 * [3000, 10, 20_000, 1, 700, 5000, 12_000, 2].reduce((a, b) => a + b, 0);
    assert.equal(text.text, `${n}\t${(n * (n - 1)) / 2}\n`);
  });
});

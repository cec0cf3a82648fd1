// Pipe configuration (src/sync/pipes/pipe-config.ts and legacy-pipe.ts): CREATE PIPE statements as
// the seeds write them, parsed by the real SQL parser, into PipeConfigs; key spellings (prefixes,
// 1.2 names, aliases), defaults, time formats, sink sharing keys, SHOW PIPES texts, and one test per
// kind of error with the words a user needs. Then the 1.1 sync tool's PIPESINK and CREATE PIPE … TO.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ErrorCode, isDbError } from '../../../src/core/errors.ts';
import { type CreateLegacyPipeStatement, type CreatePipeSinkStatement, type CreatePipeStatement, parseStatement } from '../../../src/sql/index.ts';
import { legacyAttributes, legacyPipeConfig, parsePipeSinkAttributes } from '../../../src/sync/pipes/legacy-pipe.ts';
import { type PipeConfigContext, parsePipeConfig } from '../../../src/sync/pipes/pipe-config.ts';
import type { PipeConfig } from '../../../src/sync/pipes/pipe-types.ts';

const context: PipeConfigContext = { nowMs: 1_700_000_000_000, availableCompressors: ['gzip'] };

function config(sql: string, ctx: PipeConfigContext = context): PipeConfig {
  const statement = parseStatement(sql);
  assert.equal(statement.kind, 'CreatePipe');
  return parsePipeConfig(statement as CreatePipeStatement, ctx);
}

/** CREATE PIPE p with the given sections (SQL text inside each WITH …). */
function pipe(sections: { source?: string; processor?: string; sink?: string }): PipeConfig {
  let sql = 'CREATE PIPE p';
  if (sections.source !== undefined) sql += ` WITH SOURCE (${sections.source})`;
  if (sections.processor !== undefined) sql += ` WITH PROCESSOR (${sections.processor})`;
  sql += ` WITH SINK (${sections.sink ?? "'sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='6667'"})`;
  return config(sql);
}

function rejects(run: () => unknown, code: ErrorCode, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, mo - 1, d, h, mi, s, ms);

describe('pipe config: the seeds', () => {
  test("the quick start's minimal pipe: defaults everywhere but the sink's address", () => {
    const c = config("create pipe a2b with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='6668')");
    assert.deepEqual(c.source, {
      plugin: 'iotdb-source',
      pattern: 'root',
      historyStartMs: -Infinity,
      historyEndMs: Infinity,
      realtimeStartMs: -Infinity,
      realtimeEndMs: Infinity,
      historyEnabled: true,
      realtimeEnabled: true,
    });
    assert.deepEqual(c.processor, { plugin: 'do-nothing-processor' });
    const { sharingKey, ...sink } = c.sink;
    assert.deepEqual(sink, {
      plugin: 'iotdb-thrift-async-sink',
      endpoints: [{ host: '127.0.0.1', port: 6668 }],
      user: 'default',
      password: '',
      batchEnabled: true,
      batchMaxDelayMs: 1000,
      batchSizeBytes: 16 * 1024 * 1024,
      compressor: null,
      rateLimitBytesPerSecond: -1,
      version: '1.1',
    });
    assert.equal(sharingKey, 'ip="127.0.0.1",port="6668",sink="iotdb-thrift-async-sink"');
    assert.equal(c.sourceText, '{source=iotdb-source}');
    assert.equal(c.processorText, '{processor=do-nothing-processor}');
    assert.equal(c.sinkText, '{sink=iotdb-thrift-sink, sink.ip=127.0.0.1, sink.port=6668}');
  });

  test("the full example: prefixed keys, 'historical.' times with dotted dates, trailing commas", () => {
    const c = config(`CREATE PIPE p
      WITH SOURCE (
        'source' = 'iotdb-source',
        'source.pattern' = 'root.timecho',
        'source.historical.start-time' = '2011.12.03T10:15:30+01:00',
        'source.historical.end-time' = '2022.12.03T10:15:30+01:00',
      )
      WITH PROCESSOR ('processor' = 'do-nothing-processor',)
      WITH SINK ('sink' = 'iotdb-thrift-sink', 'sink.ip' = '127.0.0.1', 'sink.port' = '6667',)`);
    assert.equal(c.source.pattern, 'root.timecho');
    assert.equal(c.source.historyStartMs, utc(2011, 12, 3, 9, 15, 30));
    assert.equal(c.source.historyEndMs, utc(2022, 12, 3, 9, 15, 30));
    assert.equal(c.source.realtimeStartMs, -Infinity, 'history.* bounds history only');
    assert.equal(c.source.realtimeEndMs, Infinity);
    assert.equal(c.sourceText, '{source=iotdb-source, source.pattern=root.timecho, source.historical.start-time=2011.12.03T10:15:30+01:00, source.historical.end-time=2022.12.03T10:15:30+01:00}');
    assert.equal(c.processorText, '{processor=do-nothing-processor}');
  });

  test('pipe1 and pipe2 of the seed share a sink: the same pairs in another order', () => {
    const one = config("CREATE PIPE pipe1 WITH SINK ('sink' = 'iotdb-thrift-sink', 'sink.ip' = 'localhost', 'sink.port' = '9999')");
    const two = config("CREATE PIPE pipe2 WITH SINK ('sink' = 'iotdb-thrift-sink', 'sink.port' = '9999', 'sink.ip' = 'localhost')");
    assert.equal(one.sink.sharingKey, two.sink.sharingKey);
    // Prefix style, the 1.2 names, key case, the plugin alias and `host` do not matter either.
    for (const sink of [
      "'sink'='iotdb-thrift-async-sink', 'port'='9999', 'ip'='localhost'",
      "'connector'='iotdb-thrift-connector', 'connector.ip'='localhost', 'connector.port'='9999'",
      "'SINK'='IoTDB-Thrift-Sink', 'Sink.IP'='localhost', 'PORT'='9999'",
      "'sink'='iotdb-thrift-sink', 'host'='localhost', 'port'='9999'",
    ]) {
      assert.equal(pipe({ sink }).sink.sharingKey, one.sink.sharingKey, sink);
    }
    // Different values (or a different plugin, or an extra key) do not share.
    for (const sink of [
      "'sink'='iotdb-thrift-sink', 'ip'='localhost', 'port'='9998'",
      "'sink'='iotdb-thrift-sync-sink', 'ip'='localhost', 'port'='9999'",
      "'sink'='iotdb-thrift-sink', 'ip'='localhost', 'port'='9999', 'batch.enable'='false'",
    ]) {
      assert.notEqual(pipe({ sink }).sink.sharingKey, one.sink.sharingKey, sink);
    }
  });

  test('the 1.3.1 form without prefixes and the 1.2 EXTRACTOR/CONNECTOR form give the same config', () => {
    const plain = pipe({ source: "'pattern'='root.db'", sink: "'sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='6668'" });
    const old = config(
      "CREATE PIPE p WITH EXTRACTOR ('extractor'='iotdb-extractor', 'extractor.pattern'='root.db') WITH CONNECTOR ('connector'='iotdb-thrift-connector', 'connector.ip'='127.0.0.1', 'connector.port'='6668')",
    );
    assert.deepEqual(old.source, plain.source);
    assert.deepEqual(old.sink, plain.sink);
  });
});

describe('pipe config: source', () => {
  test('start-time/end-time bound history and realtime, and replace the history pair', () => {
    const c = pipe({ source: "'start-time'='2024-01-01T00:00:00', 'end-time'=1735689600000, 'history.start-time'='2000-01-01T00:00:00'" });
    assert.equal(c.source.historyStartMs, utc(2024, 1, 1));
    assert.equal(c.source.historyEndMs, utc(2025, 1, 1));
    assert.equal(c.source.realtimeStartMs, utc(2024, 1, 1));
    assert.equal(c.source.realtimeEndMs, utc(2025, 1, 1));
    const onlyEnd = pipe({ source: "'source.end-time'='-1000', 'history.start-time'='0'" });
    assert.equal(onlyEnd.source.historyStartMs, -Infinity, 'either of start/end disables the history pair');
    assert.equal(onlyEnd.source.historyEndMs, -1000);
    assert.equal(onlyEnd.source.realtimeEndMs, -1000);
  });

  test('every accepted time form, read in UTC without an offset', () => {
    const forms: [string, number][] = [
      ['2011-12-03T10:15:30', utc(2011, 12, 3, 10, 15, 30)],
      ['2011-12-03T10:15:30+01:00', utc(2011, 12, 3, 9, 15, 30)],
      ['2011-12-03T10:15:30Z', utc(2011, 12, 3, 10, 15, 30)],
      ['2011-12-03T10:15:30.123Z', utc(2011, 12, 3, 10, 15, 30, 123)],
      ['2011-12-03T10:15:30.5-02:30', utc(2011, 12, 3, 12, 45, 30, 500)],
      ['2011.12.03T10:15:30+01:00', utc(2011, 12, 3, 9, 15, 30)],
      ['2011-12-03 10:15:30', utc(2011, 12, 3, 10, 15, 30)],
      ['1706704494000', 1706704494000],
      ['-5', -5],
    ];
    for (const [text, ms] of forms) {
      assert.equal(pipe({ source: `'history.start-time'='${text}'` }).source.historyStartMs, ms, text);
    }
    assert.equal(pipe({ source: "'start-time'=1706704494000" }).source.realtimeStartMs, 1706704494000, 'a number literal');
    assert.equal(pipe({ source: "'start-time'=-1" }).source.realtimeStartMs, -1, 'a negative number literal');
  });

  test('a bad time names the key, the value and the accepted forms', () => {
    for (const text of ['yesterday', '2011-13-03T10:15:30', '2011/12/03', '1.5', 'now']) {
      rejects(() => pipe({ source: `'source.start-time'='${text}'` }), 'INVALID_SETTING', new RegExp(`pipe p: WITH SOURCE .*'source.start-time' = '${text}' is not a time: expected epoch milliseconds .*ISO 8601.*UTC`));
    }
  });

  test('an empty range, both phases disabled, and a bad boolean are errors', () => {
    rejects(() => pipe({ source: "'start-time'='2024-01-02', 'end-time'='2024-01-01'" }), 'INVALID_SETTING', /'start-time' = '2024-01-02' is after 'end-time' = '2024-01-01'/);
    rejects(() => pipe({ source: "'history.start-time'='10', 'history.end-time'='9'" }), 'INVALID_SETTING', /'history.start-time' = '10' is after 'history.end-time' = '9'/);
    rejects(() => pipe({ source: "'history.enable'='false', 'realtime.enable'=false" }), 'INVALID_SETTING', /both false/);
    rejects(() => pipe({ source: "'history.enable'='yes'" }), 'INVALID_SETTING', /'history.enable' = 'yes' is not true or false/);
    const realtimeOnly = pipe({ source: "'history.enable'='false'" });
    assert.equal(realtimeOnly.source.historyEnabled, false);
    assert.equal(realtimeOnly.source.realtimeEnabled, true);
  });

  test('the pattern must start with root; root is normalized', () => {
    assert.equal(pipe({ source: "'pattern'='ROOT.sg.d'" }).source.pattern, 'root.sg.d');
    rejects(() => pipe({ source: "'source.pattern'='sg.d'" }), 'INVALID_SETTING', /'source.pattern' = 'sg.d' must be root or start with 'root\.'/);
  });

  test('the source plugin aliases', () => {
    for (const plugin of ['iotdb-source', 'tributary-source', 'iotdb-extractor', 'IOTDB-SOURCE']) {
      assert.equal(pipe({ source: `'source'='${plugin}'` }).source.plugin, 'iotdb-source');
    }
    rejects(() => pipe({ source: "'source'='mqtt-source'" }), 'INVALID_SETTING', /unknown source plugin 'mqtt-source'; plugins: iotdb-source, tributary-source, iotdb-extractor/);
  });
});

describe('pipe config: processor', () => {
  test('filter-processor: the predicate is checked at CREATE', () => {
    const c = pipe({ processor: "'processor'='filter-processor', 'filter'='temperature > 20 and time >= ''2024-01-01 00:00:00'''" });
    assert.deepEqual(c.processor, { plugin: 'filter-processor', predicate: "temperature > 20 and time >= '2024-01-01 00:00:00'" });
    assert.equal(pipe({ processor: "'processor'='filter-processor', 'processor.predicate'='s is not null'" }).processor.plugin, 'filter-processor');
    rejects(() => pipe({ processor: "'processor'='filter-processor'" }), 'INVALID_SETTING', /needs 'filter'/);
    rejects(() => pipe({ processor: "'processor'='filter-processor', 'filter'='temperature >'" }), 'INVALID_SETTING', /'filter': filter 'temperature >' is not an SQL expression: syntax error/);
    rejects(() => pipe({ processor: "'processor'='filter-processor', 'filter'='d.temperature > 1'" }), 'INVALID_SETTING', /'d\.temperature' is qualified/);
    rejects(() => pipe({ processor: "'processor'='filter-processor', 'filter'='avg(t) > 1'" }), 'INVALID_SETTING', /avg\(\) is an aggregate/);
    rejects(() => pipe({ processor: "'processor'='filter-processor', 'filter'='time > now() - 1h'" }), 'INVALID_SETTING', /now\(\) reads the clock/);
    rejects(() => pipe({ processor: "'processor'='filter-processor', 'filter'='t in (select 1)'" }), 'INVALID_SETTING', /subqueries/);
  });

  test('down-sampling-processor: defaults, the short key, and bad values', () => {
    assert.deepEqual(pipe({ processor: "'processor'='down-sampling-processor'" }).processor, { plugin: 'down-sampling-processor', intervalMs: 60_000, fn: 'avg' });
    assert.deepEqual(pipe({ processor: "'processor'='down-sampling-processor', 'interval-seconds'=0.5, 'processor.down-sampling.function'='MAX'" }).processor, {
      plugin: 'down-sampling-processor',
      intervalMs: 500,
      fn: 'max',
    });
    rejects(() => pipe({ processor: "'processor'='down-sampling-processor', 'down-sampling.interval-seconds'='0'" }), 'INVALID_SETTING', /'down-sampling.interval-seconds' = '0' must be a positive number/);
    rejects(() => pipe({ processor: "'processor'='down-sampling-processor', 'down-sampling.interval-seconds'='ten'" }), 'INVALID_SETTING', /is not a number/);
    rejects(() => pipe({ processor: "'processor'='down-sampling-processor', 'down-sampling.function'='median'" }), 'INVALID_SETTING', /'median' is not one of avg, min, max, first, last, count, sum/);
  });

  test("IoTDB's other processors are NOT_SUPPORTED; a made-up one is unknown", () => {
    rejects(() => pipe({ processor: "'processor'='tumbling-time-sampling-processor'" }), 'NOT_SUPPORTED', /IoTDB plugin this node does not have; processor plugins here: do-nothing-processor, filter-processor, down-sampling-processor/);
    rejects(() => pipe({ processor: "'processor'='my-processor'" }), 'INVALID_SETTING', /unknown processor plugin 'my-processor'/);
  });
});

describe('pipe config: sink', () => {
  test('a missing or unknown sink plugin lists the plugins', () => {
    rejects(() => pipe({ sink: "'ip'='127.0.0.1', 'port'='6667'" }), 'INVALID_SETTING', /pipe p: WITH SINK needs 'sink'='<plugin>'; plugins: iotdb-thrift-sink, iotdb-thrift-async-sink, iotdb-thrift-sync-sink, iotdb-legacy-pipe-sink, do-nothing-sink, iotdb-air-gap-sink$/);
    rejects(() => pipe({ sink: "'sink'='kafka-sink'" }), 'INVALID_SETTING', /unknown sink plugin 'kafka-sink'/);
    rejects(() => pipe({ sink: "'sink'='websocket-sink'" }), 'NOT_SUPPORTED', /'websocket-sink' is an IoTDB plugin this node does not have/);
    // The seed's prefix example names the air-gap sink: it delivers as the sync sink does.
    assert.equal(pipe({ sink: "'sink'='iotdb-air-gap-sink', 'ip'='127.0.0.1', 'port'='6668'" }).sink.plugin, 'iotdb-thrift-sync-sink');
  });

  test('plugins and their aliases', () => {
    const plugins: [string, string][] = [
      ['iotdb-thrift-sink', 'iotdb-thrift-async-sink'],
      ['iotdb-thrift-async-sink', 'iotdb-thrift-async-sink'],
      ['iotdb-thrift-connector', 'iotdb-thrift-async-sink'],
      ['iotdb-thrift-sync-sink', 'iotdb-thrift-sync-sink'],
      ['iotdb-thrift-sync-connector', 'iotdb-thrift-sync-sink'],
      ['iotdb-legacy-pipe-sink', 'iotdb-legacy-pipe-sink'],
      ['iotdb-legacy-pipe-connector', 'iotdb-legacy-pipe-sink'],
    ];
    for (const [written, plugin] of plugins) assert.equal(pipe({ sink: `'sink'='${written}', 'ip'='h', 'port'=1` }).sink.plugin, plugin, written);
    const nothing = pipe({ sink: "'sink'='do-nothing-sink'" });
    assert.equal(nothing.sink.plugin, 'do-nothing-sink');
    assert.deepEqual(nothing.sink.endpoints, []);
    rejects(() => pipe({ sink: "'sink'='do-nothing-connector', 'ip'='h'" }), 'INVALID_SETTING', /unknown key 'ip'; do-nothing-sink takes no keys/);
  });

  test('endpoints: ip+port (host), or node-urls with IPv6 in brackets, exactly one form', () => {
    assert.deepEqual(pipe({ sink: "'sink'='iotdb-thrift-sink', 'host'='db.example', 'port'=6667" }).sink.endpoints, [{ host: 'db.example', port: 6667 }]);
    assert.deepEqual(pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='::1', 'port'=6667" }).sink.endpoints, [{ host: '::1', port: 6667 }]);
    assert.deepEqual(pipe({ sink: "'sink'='iotdb-thrift-sync-sink', 'node-urls'='127.0.0.1:6667, [::1]:6668,h:1'" }).sink.endpoints, [
      { host: '127.0.0.1', port: 6667 },
      { host: '::1', port: 6668 },
      { host: 'h', port: 1 },
    ]);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'='1', 'node-urls'='h:1'" }), 'INVALID_SETTING', /give 'node-urls' or 'ip' and 'port', not both/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink'" }), 'INVALID_SETTING', /needs 'ip' and 'port', or 'node-urls'/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h'" }), 'INVALID_SETTING', /needs 'port'/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'='65536'" }), 'INVALID_SETTING', /'port' = '65536' is not a port \(an integer in 1\.\.65535\)/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'='0'" }), 'INVALID_SETTING', /'port' = '0' is not a port/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'node-urls'='h'" }), 'INVALID_SETTING', /'node-urls' = 'h' has 'h', not host:port/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'node-urls'='h:1,::1:2'" }), 'INVALID_SETTING', /has '::1:2', not host:port \(IPv6 as \[::1\]:6667\)/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'node-urls'='h:x'" }), 'INVALID_SETTING', /has port 'x' in 'h:x'/);
  });

  test('the legacy sink: ip and port only, version 1.1 by default', () => {
    const legacy = pipe({ sink: "'sink'='iotdb-legacy-pipe-sink', 'sink.ip'='10.0.0.1', 'sink.port'='6667', 'sink.user'='root', 'sink.password'='root'" });
    assert.equal(legacy.sink.version, '1.1');
    assert.equal(legacy.sink.user, 'root');
    assert.equal(legacy.sink.password, 'root');
    assert.equal(pipe({ sink: "'sink'='iotdb-legacy-pipe-sink', 'ip'='h', 'port'=1, 'version'=1.0" }).sink.version, '1.0');
    rejects(() => pipe({ sink: "'sink'='iotdb-legacy-pipe-sink', 'node-urls'='h:1'" }), 'INVALID_SETTING', /unknown key 'node-urls'; keys of iotdb-legacy-pipe-sink: ip \(host\), port, user \(username\), password, version/);
    rejects(() => pipe({ sink: "'sink'='iotdb-legacy-pipe-sink'" }), 'INVALID_SETTING', /needs 'ip' and 'port' \(/);
  });

  test('user, password and the SHOW PIPES text, which redacts the password', () => {
    const c = pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'username'='writer', 'sink.password'='s3cret'" });
    assert.equal(c.sink.user, 'writer');
    assert.equal(c.sink.password, 's3cret');
    assert.equal(c.sinkText, '{sink=iotdb-thrift-sink, ip=h, port=1, username=writer, sink.password=******}');
    assert.doesNotMatch(c.sink.sharingKey, /s3cret/, 'the sharing key holds a digest, not the password');
    const other = pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'user'='writer', 'password'='other'" });
    assert.notEqual(other.sink.sharingKey, c.sink.sharingKey, 'another password is another sink');
  });

  test('batching, compression and rate limits', () => {
    const c = pipe({
      sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'batch.enable'='false', 'batch.max-delay-seconds'=0.25, 'batch.size-bytes'=1024, 'compressor'='GZIP', 'rate-limit-bytes-per-second'=1e6",
    });
    assert.equal(c.sink.batchEnabled, false);
    assert.equal(c.sink.batchMaxDelayMs, 250);
    assert.equal(c.sink.batchSizeBytes, 1024);
    assert.equal(c.sink.compressor, 'gzip');
    assert.equal(c.sink.rateLimitBytesPerSecond, 1_000_000);
    assert.equal(pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'batch.max-delay-ms'=20" }).sink.batchMaxDelayMs, 20);
    const zstd = config("CREATE PIPE p WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'compressor'='zstd')", { nowMs: 0, availableCompressors: ['gzip', 'zstd'] });
    assert.equal(zstd.sink.compressor, 'zstd');
    const base = "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1";
    rejects(() => pipe({ sink: `${base}, 'compressor'='lz4'` }), 'NOT_SUPPORTED', /compressor 'lz4' is not available on this node; available: gzip/);
    rejects(() => pipe({ sink: `${base}, 'compressor'='zstd'` }), 'NOT_SUPPORTED', /compressor 'zstd' is not available on this node; available: gzip/);
    rejects(() => pipe({ sink: `${base}, 'compressor'='brotli'` }), 'INVALID_SETTING', /'compressor' = 'brotli' is not a compressor; available: gzip/);
    rejects(() => pipe({ sink: `${base}, 'compressor'='gzip,zstd'` }), 'NOT_SUPPORTED', /chains compressors/);
    rejects(() => pipe({ sink: `${base}, 'batch.max-delay-seconds'=1, 'batch.max-delay-ms'=5` }), 'INVALID_SETTING', /not both/);
    rejects(() => pipe({ sink: `${base}, 'batch.max-delay-seconds'=-1` }), 'INVALID_SETTING', /'batch.max-delay-seconds' = '-1' must be between 0 and 3600 seconds/);
    rejects(() => pipe({ sink: `${base}, 'batch.max-delay-ms'=1.5` }), 'INVALID_SETTING', /'batch.max-delay-ms' = '1.5' is not an integer/);
    rejects(() => pipe({ sink: `${base}, 'batch.size-bytes'=1023` }), 'INVALID_SETTING', /'batch.size-bytes' = '1023' must be between 1024 \(1 KiB\) and 268435456 \(256 MiB\) bytes/);
    rejects(() => pipe({ sink: `${base}, 'batch.size-bytes'=268435457` }), 'INVALID_SETTING', /must be between 1024/);
    rejects(() => pipe({ sink: `${base}, 'rate-limit-bytes-per-second'=0` }), 'INVALID_SETTING', /'rate-limit-bytes-per-second' = '0' must be -1 \(no limit\) or a positive number/);
    rejects(() => pipe({ sink: `${base}, 'batch.enable'='maybe'` }), 'INVALID_SETTING', /'batch.enable' = 'maybe' is not true or false/);
  });
});

describe('pipe config: keys', () => {
  test("a key of another section, an unknown key, a key given twice, and NULL are errors", () => {
    rejects(() => pipe({ source: "'sink.ip'='127.0.0.1'" }), 'INVALID_SETTING', /pipe p: WITH SOURCE: 'sink.ip' is a key of WITH SINK, not of WITH SOURCE/);
    rejects(() => pipe({ source: "'processor'='do-nothing-processor'" }), 'INVALID_SETTING', /'processor' is a key of WITH PROCESSOR/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'port'=1, 'source.pattern'='root'" }), 'INVALID_SETTING', /'source.pattern' is a key of WITH SOURCE, not of WITH SINK/);
    rejects(
      () => pipe({ source: "'source.patern'='root.db'" }),
      'INVALID_SETTING',
      /unknown key 'source.patern'; keys of iotdb-source: pattern, history.start-time \(historical.start-time\), history.end-time \(historical.end-time\), start-time, end-time, history.enable, realtime.enable/,
    );
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'sink.ip'='h', 'port'=1" }), 'INVALID_SETTING', /'ip' and 'sink.ip' set the same key; give it once/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'='h', 'host'='h', 'port'=1" }), 'INVALID_SETTING', /'ip' and 'host' set the same key/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'connector'='iotdb-thrift-sink', 'ip'='h', 'port'=1" }), 'INVALID_SETTING', /'sink' and 'connector' set the same key/);
    rejects(() => pipe({ source: "'history.start-time'='1', 'historical.start-time'='2'" }), 'INVALID_SETTING', /set the same key/);
    rejects(() => pipe({ sink: "'sink'='iotdb-thrift-sink', 'ip'=NULL, 'port'=1" }), 'INVALID_SETTING', /'ip' = NULL: give a value/);
  });
});

describe('1.1 sync tool: PIPESINK and CREATE PIPE … TO', () => {
  const sinkOf = (sql: string) => parsePipeSinkAttributes(parseStatement(sql) as CreatePipeSinkStatement);
  const legacy = (sql: string, sink = { ip: '192.168.0.2', port: 6667 }) => legacyPipeConfig(parseStatement(sql) as CreateLegacyPipeStatement, sink, context);

  test("the seed's PIPESINKs: attributes in any case, defaults 127.0.0.1:6667", () => {
    assert.deepEqual(sinkOf("CREATE PIPESINK my_iotdb AS IoTDB (IP='192.168.0.2',PORT=6667)"), { ip: '192.168.0.2', port: 6667 });
    assert.deepEqual(sinkOf("CREATE PIPESINK central AS iotdb (ip='10.0.0.1', port='6668')"), { ip: '10.0.0.1', port: 6668 });
    assert.deepEqual(sinkOf('CREATE PIPESINK demo AS IoTDB'), { ip: '127.0.0.1', port: 6667 });
    rejects(() => sinkOf("CREATE PIPESINK k AS Kafka (ip='h')"), 'NOT_SUPPORTED', /PIPESINK k: type 'Kafka' is not supported; SHOW PIPESINKTYPE lists: IoTDB/);
    rejects(() => sinkOf("CREATE PIPESINK s AS IoTDB (ip='h', user='u')"), 'INVALID_SETTING', /unknown attribute 'user'; attributes: ip \(default 127\.0\.0\.1\), port \(default 6667\)/);
    rejects(() => sinkOf('CREATE PIPESINK s AS IoTDB (port=70000)'), 'INVALID_SETTING', /port '70000' is not an integer in 1\.\.65535/);
    rejects(() => sinkOf("CREATE PIPESINK s AS IoTDB (ip='a', IP='b')"), 'INVALID_SETTING', /given twice/);
  });

  test("the seed's two equivalent start times, read in UTC", () => {
    const text = legacy("CREATE PIPE p TO my_iotdb FROM (select ** from root where time>='2022-03-30 00:00:00')");
    const epoch = legacy('CREATE PIPE p TO my_iotdb FROM (select ** from root where time>= 1648569600000)');
    // The seed equates the two in its UTC+8 server zone; Tributary reads time text as UTC.
    assert.equal(text.source.historyStartMs, utc(2022, 3, 30));
    assert.equal(text.source.historyStartMs, 1648598400000);
    assert.equal(epoch.source.historyStartMs, 1648569600000);
    assert.equal(epoch.source.realtimeStartMs, 1648569600000);
    assert.equal(legacyAttributes(epoch), 'SyncDelOp=false,DataStartTimestamp=1648569600000');
    assert.equal(legacy('CREATE PIPE p TO s FROM (select ** from ROOT where TIMESTAMP > 10)').source.historyStartMs, 11, "'>' starts one ms later");
    assert.equal(legacy('CREATE PIPE p TO s FROM (select ** from root where time >= -10)').source.historyStartMs, -10);
  });

  test('a 1.1 pipe is a sync-sink pipe of everything under root', () => {
    const c = legacy('CREATE PIPE my_pipe TO central_iotDB', { ip: '10.0.0.2', port: 6668 });
    assert.equal(c.source.pattern, 'root');
    assert.equal(c.source.historyStartMs, -Infinity);
    assert.equal(c.source.historyEnabled && c.source.realtimeEnabled, true);
    assert.deepEqual(c.processor, { plugin: 'do-nothing-processor' });
    assert.equal(c.sink.plugin, 'iotdb-thrift-sync-sink');
    assert.deepEqual(c.sink.endpoints, [{ host: '10.0.0.2', port: 6668 }]);
    assert.equal(c.sink.user, 'default');
    assert.equal(legacyAttributes(c), 'SyncDelOp=false,DataStartTimestamp=0');
    assert.equal(c.sinkText, '{sink=iotdb-thrift-sync-sink, ip=10.0.0.2, port=6668}');
    const same = pipe({ sink: "'sink'='iotdb-thrift-sync-sink', 'ip'='10.0.0.2', 'port'='6668'" });
    assert.equal(c.sink.sharingKey, same.sink.sharingKey, 'it shares a sink with the equivalent 1.3 pipe');
    assert.equal(legacy('CREATE PIPE p TO s WITH SyncDelOp=false').source.pattern, 'root');
    assert.equal(legacy("CREATE PIPE p TO s WITH syncdelop='false'").source.pattern, 'root');
  });

  test('anything but ** from root with a start time is refused, saying what is allowed', () => {
    const allowed = /the SELECT statement only supports \*\*, the FROM statement only supports root, and the WHERE statement only supports the start time/;
    for (const from of [
      'select * from root',
      'select s0 from root',
      'select ** from root.vehicle',
      "select ** from root where time < '2022-03-30 00:00:00'",
      'select ** from root where s0 > 1',
      "select ** from root where time >= 'soon'",
      'select ** from root where time >= 1 and time < 5',
      'select ** from root order by time',
      'select ** from root limit 5',
    ]) {
      rejects(() => legacy(`CREATE PIPE p TO s FROM (${from})`), 'NOT_SUPPORTED', allowed);
    }
    rejects(() => legacy('CREATE PIPE p TO s WITH SyncDelOp=true'), 'NOT_SUPPORTED', /SyncDelOp=true: deletions are not synced/);
    rejects(() => legacy("CREATE PIPE p TO s WITH Batch='x'"), 'INVALID_SETTING', /unknown setting 'Batch'; the 1\.1 sync tool takes only SyncDelOp=false/);
  });
});

// The catalog under faults: a failed write changes nothing (in memory or on disk), a torn temporary
// file is ignored and removed, a damaged catalog file is CATALOG_CORRUPT (never reset), and the
// size limit is enforced before anything is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CATALOG_BYTES_MAX } from '../../../src/core/limits.ts';
import { Catalog } from '../../../src/storage/catalog/catalog.ts';
import { T } from '../../../src/types/data-type.ts';
import { rejectsWith, tempDir } from './helpers.ts';

async function seeded(dir: string): Promise<{ catalog: Catalog; file: string; before: string }> {
  const catalog = await Catalog.open(dir);
  await catalog.createStream('default', 'cpu', [{ name: 'v', type: T.float64 }]);
  const file = path.join(dir, 'catalog.json');
  return { catalog, file, before: fs.readFileSync(file, 'utf8') };
}

test('a failed write changes nothing, and the next write succeeds once the fault is gone', async (t) => {
  const dir = tempDir(t);
  const { catalog, file, before } = await seeded(dir);
  const streamsBefore = catalog.listStreams();
  fs.mkdirSync(`${file}.tmp`); // the temporary file cannot be opened for writing
  await rejectsWith('IO_ERROR', () => catalog.createStream('default', 'mem', []));
  await rejectsWith('IO_ERROR', () => catalog.dropStream('default', 'cpu'));
  await rejectsWith('IO_ERROR', () => catalog.createDatabase('db'));
  await rejectsWith('IO_ERROR', () => catalog.createObject({ kind: 'user', database: null, name: 'u', definition: {} }));
  assert.deepEqual(catalog.listStreams(), streamsBefore);
  assert.equal(catalog.findStream('default', 'mem'), undefined);
  assert.equal(catalog.findDatabase('db'), undefined);
  assert.equal(fs.readFileSync(file, 'utf8'), before, 'the old file is intact');
  // Reopening while the fault is there fails loudly rather than ignoring it.
  await rejectsWith('IO_ERROR', () => Catalog.open(dir));

  fs.rmdirSync(`${file}.tmp`);
  const mem = await catalog.createStream('default', 'mem', []);
  assert.equal(mem.id, 2, 'the failed create did not consume an id that was persisted');
  const reopened = await Catalog.open(dir);
  assert.deepEqual(reopened.listStreams().map((s) => s.name), ['cpu', 'mem']);
});

test('a leftover truncated catalog.json.tmp is ignored and removed on open', async (t) => {
  const dir = tempDir(t);
  const { catalog, file, before } = await seeded(dir);
  await catalog.close();
  fs.writeFileSync(`${file}.tmp`, before.slice(0, Math.floor(before.length / 2)));
  const reopened = await Catalog.open(dir);
  assert.equal(fs.existsSync(`${file}.tmp`), false);
  assert.deepEqual(reopened.listStreams().map((s) => s.name), ['cpu']);
});

test('a torn temp file with no catalog.json yet (crash during the first write) starts fresh', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'catalog.json.tmp'), '{"version":1,"crc');
  const catalog = await Catalog.open(dir);
  assert.equal(catalog.createdFresh, true);
  assert.deepEqual(catalog.listDatabases().map((d) => d.name), ['default']);
});

test('every single flipped byte of catalog.json is CATALOG_CORRUPT naming the file', async (t) => {
  const dir = tempDir(t);
  const { file, before } = await seeded(dir);
  const bytes = Buffer.from(before);
  // Flip each byte in turn (except the final newline, which is whitespace to JSON): whatever it
  // hits (syntax, version, checksum digits, state), reopening must fail and never reset.
  for (let i = 0; i < bytes.length - 1; i++) {
    const damaged = Buffer.from(bytes);
    damaged[i] ^= 0x01;
    fs.writeFileSync(file, damaged);
    const error = await rejectsWith('CATALOG_CORRUPT', () => Catalog.open(dir));
    assert.ok(error.message.includes(file), error.message);
  }
  fs.writeFileSync(file, bytes);
  await Catalog.open(dir);
});

test('truncated, empty, wrong-version and invalid-content files are CATALOG_CORRUPT with the reason', async (t) => {
  const dir = tempDir(t);
  const { file, before } = await seeded(dir);
  const expectCorrupt = async (text: string, reason: RegExp): Promise<void> => {
    fs.writeFileSync(file, text);
    const error = await rejectsWith('CATALOG_CORRUPT', () => Catalog.open(dir));
    assert.match(error.message, reason);
    assert.ok(fs.existsSync(file), 'the damaged file is left for inspection');
  };
  await expectCorrupt(before.slice(0, before.length - 10), /not valid JSON/);
  await expectCorrupt('', /not valid JSON/);
  await expectCorrupt(before.replace('"version":1', '"version":2'), /unsupported format version 2/);
  await expectCorrupt(before.replace('"crc32":', '"crc":'), /missing state or checksum/);
  // A consistent checksum over an invalid state: the decoder's checks catch it.
  const envelope = JSON.parse(before) as { state: { streams: { database: string }[] } };
  envelope.state.streams[0].database = 'nosuch';
  const { crc32 } = await import('node:zlib');
  const stateText = JSON.stringify(envelope.state);
  await expectCorrupt(`{"version":1,"crc32":${crc32(stateText)},"state":${stateText}}\n`, /invalid contents: .*missing database/);
});

test('CATALOG_BYTES_MAX is enforced before writing', async (t) => {
  const dir = tempDir(t);
  const { catalog, file, before } = await seeded(dir);
  const huge = 'x'.repeat(CATALOG_BYTES_MAX);
  const error = await rejectsWith('LIMIT_EXCEEDED', () =>
    catalog.createObject({ kind: 'view', database: 'default', name: 'big', definition: { huge } }),
  );
  assert.match(error.message, /CATALOG_BYTES_MAX/);
  assert.equal(catalog.findObject('view', 'default', 'big'), undefined);
  assert.equal(fs.readFileSync(file, 'utf8'), before);
  await catalog.createObject({ kind: 'view', database: 'default', name: 'small', definition: {} });
});

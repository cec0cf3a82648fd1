// writeFileAtomic: contents replaced whole, mode applied (also to an existing file), no temporary
// file left behind, and a failed write leaves the old file untouched.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { removeStaleTemp, tempPathOf, writeFileAtomic } from '../../../src/storage/catalog/atomic-file.ts';
import { rejectsWith, tempDir } from './helpers.ts';

test('writeFileAtomic creates and replaces a file with the given mode', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'state.json');
  await writeFileAtomic(file, 'one', { mode: 0o600 });
  assert.equal(fs.readFileSync(file, 'utf8'), 'one');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  await writeFileAtomic(file, new Uint8Array([0x74, 0x77, 0x6f]), { mode: 0o644 });
  assert.equal(fs.readFileSync(file, 'utf8'), 'two');
  assert.equal(fs.statSync(file).mode & 0o777, 0o644);
  assert.deepEqual(fs.readdirSync(dir), ['state.json'], 'no temporary file left');
});

test('writeFileAtomic applies the mode even over a stale temporary file with another mode', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'secret.json');
  fs.writeFileSync(tempPathOf(file), 'stale', { mode: 0o666 });
  fs.chmodSync(tempPathOf(file), 0o666);
  await writeFileAtomic(file, 'secret', { mode: 0o600 });
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('a failed write leaves the old file intact and reports the step', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'state.json');
  await writeFileAtomic(file, 'old', { mode: 0o600 });
  fs.mkdirSync(tempPathOf(file)); // open(…tmp, 'w') fails with EISDIR
  const error = await rejectsWith('IO_ERROR', () => writeFileAtomic(file, 'new', { mode: 0o600 }));
  assert.match(error.message, /writing .*state\.json\.tmp \(EISDIR\)/);
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
});

test('removeStaleTemp removes a leftover temporary file and reports whether there was one', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'state.json');
  assert.equal(await removeStaleTemp(file), false);
  fs.writeFileSync(tempPathOf(file), 'torn');
  assert.equal(await removeStaleTemp(file), true);
  assert.equal(fs.existsSync(tempPathOf(file)), false);
  fs.mkdirSync(tempPathOf(file));
  await rejectsWith('IO_ERROR', () => removeStaleTemp(file));
});

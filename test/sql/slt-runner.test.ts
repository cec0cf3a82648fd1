// The SQL logic test runner: every `test/sql/**/*.slt` file runs against a fresh embedded node (a
// real data directory in a temp dir, a manual clock fixed at 2026-01-01 00:00:00 UTC so now() is
// deterministic). Each record is a subtest named `<file>:<line>`.
//
// Record forms (records are separated by blank lines; `#` lines are comments):
//   statement ok            SQL follows; it must succeed.
//   statement error         SQL, then `----`, then a substring the error message must contain.
//   query [rowsort]         SQL, then `----`, then the expected rows in TabSeparated (no header);
//                           `rowsort` sorts actual and expected rows before comparing.
// SQL may span several lines; a record ends at a blank line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/clock.ts';
import { openNode } from '../../src/engine/node.ts';
import { tabSeparatedRow } from '../../src/engine/format/text-values.ts';
import { tempDir } from '../support/temp-dir.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
export const SLT_CLOCK_START_MS = Date.parse('2026-01-01T00:00:00Z');

interface SltRecord {
  readonly line: number;
  readonly kind: 'ok' | 'error' | 'query';
  readonly sql: string;
  readonly expected: string[];
  readonly rowsort: boolean;
}

function parseSlt(text: string, file: string): SltRecord[] {
  const records: SltRecord[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const header = lines[i].trim();
    if (header === '' || header.startsWith('#')) {
      i++;
      continue;
    }
    const line = i + 1;
    const words = header.split(/\s+/);
    let kind: SltRecord['kind'];
    if (words[0] === 'statement' && words[1] === 'ok') kind = 'ok';
    else if (words[0] === 'statement' && words[1] === 'error') kind = 'error';
    else if (words[0] === 'query') kind = 'query';
    else throw new Error(`${file}:${line}: expected 'statement ok', 'statement error' or 'query', found '${header}'`);
    i++;
    const sql: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && lines[i] !== '----') sql.push(lines[i++]);
    const expected: string[] = [];
    if (lines[i] === '----') {
      i++;
      while (i < lines.length && lines[i] !== '') expected.push(lines[i++]);
    } else if (kind !== 'ok') {
      throw new Error(`${file}:${line}: a '${header}' record needs '----' and the expected ${kind === 'error' ? 'error text' : 'rows'}`);
    }
    records.push({ line, kind, sql: sql.join('\n'), expected, rowsort: words.includes('rowsort') });
  }
  return records;
}

function collect(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.slt')) out.push(path);
  }
  return out;
}

for (const file of collect(root, [])) {
  const name = relative(root, file);
  test(`sql: ${name}`, async (t) => {
    const records = parseSlt(readFileSync(file, 'utf8'), name);
    const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(SLT_CLOCK_START_MS) });
    try {
      for (const record of records) {
        await t.test(`${name}:${record.line}`, async () => {
          const where = `${name}:${record.line}\n${record.sql}`;
          if (record.kind === 'ok') {
            await node.executeAll(record.sql);
            return;
          }
          if (record.kind === 'error') {
            await assert.rejects(node.executeAll(record.sql), (error: Error) => {
              const want = record.expected.join('\n');
              assert.ok(error.message.includes(want), `${where}\nexpected an error containing: ${want}\ngot: ${error.message}`);
              return true;
            });
            return;
          }
          const { schema, rows } = await node.query(record.sql);
          let actual = rows.map((row) => tabSeparatedRow(schema, row));
          let expected = record.expected;
          if (record.rowsort) {
            actual = [...actual].sort();
            expected = [...expected].sort();
          }
          assert.deepEqual(actual, expected, where);
        });
      }
    } finally {
      await node.close();
    }
  });
}

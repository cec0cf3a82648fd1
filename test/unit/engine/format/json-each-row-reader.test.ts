// The columnar JSONEachRow reader on its own: values of every JSON kind land in their column's
// arrays exactly as JSON.parse reads them (numbers bit for bit, strings as the UTF-8 of the parsed
// text), what it does not read is declined (`unsupported`), and malformed data is named by line,
// column and what was expected.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import fc from 'fast-check';
import { type JsonColumn, type JsonReadResult, readJsonEachRow } from '../../../../src/engine/format/json-each-row-reader.ts';
import { BATCH_ROWS_MAX } from '../../../../src/core/limits.ts';
import { fuzzRuns } from '../../../support/arbitraries.ts';

function read(text: string | Uint8Array, names: readonly string[]): JsonReadResult {
  return readJsonEachRow(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, names);
}

function columns(text: string, names: readonly string[]): { rowCount: number; columns: readonly JsonColumn[] } {
  const result = read(text, names);
  if (result.kind !== 'columns') assert.fail(JSON.stringify(result));
  return result as Extract<JsonReadResult, { kind: 'columns' }>;
}

function stringsOf(column: JsonColumn): string[] {
  assert.equal(column.kind, 'strings');
  const { offsets, bytes } = column as Extract<JsonColumn, { kind: 'strings' }>;
  return Array.from({ length: offsets.length - 1 }, (_, i) => Buffer.from(bytes.subarray(offsets[i], offsets[i + 1])).toString('utf8'));
}

function numbersOf(column: JsonColumn): number[] {
  assert.ok(column.kind === 'numbers' || column.kind === 'bools', column.kind);
  return [...(column as { values: Float64Array }).values];
}

function nullsOf(column: JsonColumn): number[] | null {
  assert.ok(column.kind !== 'absent');
  const nulls = (column as { nulls: Uint8Array | null }).nulls;
  return nulls === null ? null : [...nulls];
}

test('values of every JSON kind go to their columns', () => {
  const text = '{"n":1,"f":-2.5e3,"s":"x","b":true,"z":null}\n{"n":-0,"f":0.1,"s":"","b":false,"z":null}\n';
  const { rowCount, columns: [n, f, s, b, z] } = columns(text, ['n', 'f', 's', 'b', 'z']);
  assert.equal(rowCount, 2);
  assert.deepEqual(numbersOf(n), [1, -0]);
  assert.ok(Object.is(numbersOf(n)[1], -0));
  assert.deepEqual(n, { ...n, kind: 'numbers', nulls: null, safeIntegers: true, someInteger: true });
  assert.deepEqual(numbersOf(f), [-2500, 0.1]);
  assert.deepEqual(f, { ...f, safeIntegers: false, someInteger: true });
  assert.deepEqual(stringsOf(s), ['x', '']);
  assert.equal(b.kind, 'bools');
  assert.deepEqual(numbersOf(b), [1, 0]);
  assert.deepEqual(z, { kind: 'nulls', nulls: new Uint8Array([1, 1]) });
});

test('NULLs mixed with values: a mask, and zero or an empty string under it', () => {
  const { columns: [a, s, b] } = columns('{"a":null,"s":"q","b":null}\n{"a":3.5,"s":null,"b":true}\n{"a":4,"s":"r","b":false}', ['a', 's', 'b']);
  assert.deepEqual(numbersOf(a), [0, 3.5, 4]);
  assert.deepEqual(nullsOf(a), [1, 0, 0]);
  assert.deepEqual(a, { ...a, safeIntegers: false, someInteger: true });
  assert.deepEqual(stringsOf(s), ['q', '', 'r']);
  assert.deepEqual(nullsOf(s), [0, 1, 0]);
  assert.deepEqual(numbersOf(b), [0, 1, 0]);
  assert.deepEqual(nullsOf(b), [1, 0, 0]);
});

test('escapes decode as JSON.parse does; raw UTF-8 is kept byte for byte', () => {
  const values = ['a"b', 'back\\slash', 'sl/ash', '\b\f\n\r\t', 'é', '日本語', '😀', 'mixed é \u0000 \u001f end', '\u2028\u2029', '\ufeffbom'];
  const escaped = ['"a\\"b"', '"back\\\\slash"', '"sl\\/ash"', '"\\b\\f\\n\\r\\t"', '"\\u00e9"', '"\\u65e5\\u672C\\u8a9e"', '"\\ud83d\\ude00"', '"mixed \\u00E9 \\u0000 \\u001f end"', '"\\u2028\\u2029"', '"\\ufeffbom"'];
  const raw = ['"é"', '"日本語"', '"😀"', '"\u2028"'];
  const text = [...escaped, ...raw].map((v) => `{"s":${v}}`).join('\n');
  const { columns: [s] } = columns(text, ['s']);
  assert.deepEqual(stringsOf(s), [...values, 'é', '日本語', '😀', '\u2028']);
  for (const [i, v] of [...escaped, ...raw].entries()) assert.equal(stringsOf(s)[i], JSON.parse(v));
});

test('layout: spaces and tabs between tokens, CRLF, blank lines, a comma after a row, no final newline', () => {
  const text = '\n  { "a" :\t1 , "b": "x" }  \r\n\r\n{"b":"y","a":2},\n\t{"a":3,"b":"z"} , \n{"a":4,"b":"w"}';
  const { rowCount, columns: [a, b] } = columns(text, ['a', 'b']);
  assert.equal(rowCount, 4);
  assert.deepEqual(numbersOf(a), [1, 2, 3, 4]);
  assert.deepEqual(stringsOf(b), ['x', 'y', 'z', 'w']);
  assert.deepEqual(columns('', ['a']), { kind: 'columns', rowCount: 0, columns: [{ kind: 'absent' }] });
  assert.equal(columns(' \n\n \r\n', ['a']).rowCount, 0);
});

test('a key in no row is absent; {} is a row with no keys', () => {
  const { rowCount, columns: [a, b] } = columns('{"a":1}\n{"a":2}', ['a', 'b']);
  assert.equal(rowCount, 2);
  assert.deepEqual(b, { kind: 'absent' });
  assert.deepEqual(numbersOf(a), [1, 2]);
  assert.deepEqual(columns('{}\n{ }', ['a']), { kind: 'columns', rowCount: 2, columns: [{ kind: 'absent' }] });
});

test('many rows and long strings grow the arrays', () => {
  const long = 'x'.repeat(5000);
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, s: i % 1000 === 0 ? long : `v${i}` }));
  const { rowCount, columns: [i, s] } = columns(`{"i":-1,"s":""}\n${lines.join('\n')}`, ['i', 's']);
  assert.equal(rowCount, 3001);
  assert.deepEqual(numbersOf(i), [-1, ...Array.from({ length: 3000 }, (_, k) => k)]);
  assert.deepEqual(stringsOf(s), ['', ...Array.from({ length: 3000 }, (_, k) => (k % 1000 === 0 ? long : `v${k}`))]);
});

test('a string longer than the room left is finished the careful way, escapes included', () => {
  for (const long of ['y'.repeat(100_000), `${'z'.repeat(70_000)}\\n\\u00e9${'w'.repeat(30_000)}`]) {
    const { columns: [s] } = columns(`{"s":"ab"}\n{"s":"${long}"}\n{"s":"cd"}`, ['s']);
    assert.deepEqual(stringsOf(s), ['ab', JSON.parse(`"${long}"`), 'cd']);
  }
});

test('more rows than a batch holds are declined (the generic path names the limit); a small first row does not over-allocate', () => {
  const line = '{"a":1}\n';
  const over = read(line.repeat(BATCH_ROWS_MAX + 1), ['a']);
  assert.equal(over.kind, 'unsupported');
  assert.match((over as { reason: string }).reason, /more than BATCH_ROWS_MAX/);
  // Sized from the first row (15 bytes): 25 MB of data would be 1.8 million rows of it.
  const { rowCount, columns: [a] } = columns(`{"a":1,"b":""}\n${`{"a":2,"b":"${'x'.repeat(150)}"}\n`.repeat(150_000)}`, ['a', 'b']);
  assert.equal(rowCount, 150_001);
  assert.ok((a as { values: Float64Array }).values.buffer.byteLength <= 8 * BATCH_ROWS_MAX);
});

test('declined, for the generic parser to decide: unknown, repeated, escaped or partial keys, nesting, mixed kinds, several lines', () => {
  const cases: [string, RegExp][] = [
    ['{"a":1,"zz":2}', /unknown key 'zz'/],
    ['{"a":1,"a":2}', /key 'a' repeated/],
    ['{"\\u0061":1}', /escape in a key/],
    ['{"a":1}\n{"b":2}', /key 'a' is in some rows only/],
    ['{"a":{"x":1}}', /an object as the value of 'a'/],
    ['{"a":[1,2]}', /an array as the value of 'a'/],
    ['{"a":1}\n{"a":"1"}', /column 'a' mixes JSON kinds/],
    ['{"a":true}\n{"a":1}', /mixes JSON kinds/],
    ['{"a":1,\n"b":2}', /an object over several lines/],
    ['{"a":1}{"a":2}', /several rows on one line/],
    ['{"a":1},{"a":2}', /several rows on one line/],
    ['{"a":"x\\ud800"}', /lone surrogate/],
    ['{"a":"x\\udc00\\ud800"}', /lone surrogate/],
    ['{"a":"x\ny"}', /line break inside a string/],
    [',', /starting with a comma/],
  ];
  for (const [text, reason] of cases) {
    const result = read(text, ['a', 'b']);
    assert.equal(result.kind, 'unsupported', text);
    assert.match((result as { reason: string }).reason, reason, text);
  }
  const notUtf8 = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  assert.deepEqual(read(notUtf8, ['a']), { kind: 'unsupported', reason: 'the data is not valid UTF-8', line: 0 });
  // Column names that a raw key can never spell are matched only through the generic parser.
  assert.equal(read('{"a\\"b":1}', ['a"b']).kind, 'unsupported');
  assert.equal(read('{"a\\\\b":1}', ['a\\b']).kind, 'unsupported');
});

test('malformed data: line, column (in characters) and what was expected', () => {
  const cases: [string, number, number, RegExp][] = [
    ['{"a":1}\n{"a":}', 2, 6, /^expected a value for 'a', got '}'$/],
    ['{"a":1,}', 1, 8, /^expected a key in double quotes, got '}'$/],
    ['{"a" 1}', 1, 6, /^expected ':' after the key 'a', got '1'$/],
    ['{"a":1 "b":2}', 1, 8, /^expected ',' or '}' after the value of 'a', got '"'$/],
    ['{"a":01}', 1, 6, /leading zero/],
    ['{"a":1.}', 1, 8, /expected a digit after '.'/],
    ['{"a":-}', 1, 7, /expected a digit in the number for 'a', got '}'/],
    ['{"a":1e}', 1, 8, /expected a digit in the exponent/],
    ['{"a":12x}', 1, 8, /unexpected 'x' in the number for 'a'/],
    ['{"a":1.5.2}', 1, 9, /unexpected '.' in the number/],
    ['{"a":tru}', 1, 6, /expected a value for 'a', got 't'/],
    ['{"a":nulls}', 1, 10, /unexpected 's' after null/],
    ['{"a":+1}', 1, 6, /expected a value for 'a', got '\+'/],
    ['{"a":"x\u0001"}', 1, 8, /control character \(byte 0x01\) in the string for 'a'; escape it/],
    ['{"a":"x\\q"}', 1, 8, /invalid escape '\\q' in the string for 'a'/],
    ['{"a":"\\u12g4"}', 1, 7, /invalid \\u escape/],
    ['{"a":"abc', 1, 6, /unterminated string for 'a'/],
    ['{"a":1', 1, 7, /expected ',' or '}' after the value of 'a', got the end of the data/],
    ['{"a', 1, 4, /unterminated key/],
    ['{"a":1} x', 1, 9, /expected the end of the line after a row, got 'x'/],
    ['{"a":1}\n\n[1]', 3, 1, /expected '\{' to start a row, got '\['/],
    ['{"é":"日本","a":}', 1, 15, /expected a value for 'a', got '}'/],
    ['{"a":"日本"x}', 1, 10, /after the value of 'a', got 'x'/],
    ['{"a":"é"é}', 1, 9, /got 'é'/],
    ['{1:2}', 1, 2, /expected a key in double quotes or '}', got '1'/],
  ];
  for (const [text, line, column, message] of cases) {
    const result = read(text, ['é', 'a']);
    assert.equal(result.kind, 'malformed', `${text}: ${JSON.stringify(result)}`);
    const malformed = result as Extract<JsonReadResult, { kind: 'malformed' }>;
    assert.deepEqual([malformed.line, malformed.column], [line, column], text);
    assert.match(malformed.message, message, text);
    // The data is not JSONEachRow by JSON.parse either: some line is not one JSON object.
    const isObject = (line: string) => {
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      } catch {
        return false;
      }
    };
    assert.ok(!text.split('\n').every((l) => l.trim() === '' || isObject(l)), `JSON.parse accepts ${text}`);
  }
});

test('numbers are exactly what JSON.parse reads (property)', () => {
  const decimal = fc
    .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,20})$/), fc.option(fc.stringMatching(/^[0-9]{1,20}$/)), fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/)))
    .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent ?? ''}`);
  const fromDouble = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d));
  fc.assert(
    fc.property(fc.array(fc.oneof(decimal, fromDouble, fc.integer().map(String)), { minLength: 1, maxLength: 20 }), (texts) => {
      const { columns: [n] } = columns(texts.map((t) => `{"n":${t}}`).join('\n'), ['n']);
      const expected = texts.map((t) => JSON.parse(t) as number);
      const got = numbersOf(n);
      for (let i = 0; i < texts.length; i++) assert.ok(Object.is(got[i], expected[i]), `${texts[i]}: ${got[i]} vs ${expected[i]}`);
      assert.equal((n as { safeIntegers: boolean }).safeIntegers, expected.every((v) => Number.isSafeInteger(v)));
      assert.equal((n as { someInteger: boolean }).someInteger, expected.some((v) => Number.isInteger(v)));
    }),
    { numRuns: fuzzRuns(300) },
  );
});

test('strings are the UTF-8 of what JSON.parse reads (property)', () => {
  const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string());
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 10 }), fc.boolean(), (values, asciiOnly) => {
      // JSON.stringify writes non-ASCII raw; the ASCII-only form escapes it all as \uXXXX.
      const encode = (v: string) => (asciiOnly ? JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : JSON.stringify(v));
      const result = read(values.map((v) => `{"s":${encode(v)}}`).join('\n'), ['s']);
      assert.equal(result.kind, 'columns');
      assert.deepEqual(stringsOf((result as Extract<JsonReadResult, { kind: 'columns' }>).columns[0]), values);
    }),
    { numRuns: fuzzRuns(300) },
  );
});

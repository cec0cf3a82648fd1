// JSON functions: key and index paths (constant and per-row), every result kind, invalid JSON and
// missing paths giving empty results, NULL, empty input and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, lit, numCol, resolveFails, returnTypeOf, run, strCol } from './support.ts';

const doc = JSON.stringify({ a: { b: 'x', n: 41.9, neg: -2.5, t: true, f: false, z: null }, list: [10, 'two', { k: 'v' }], s: 'top', 'odd key': 1 });
const docs = strCol([doc, '{not json', '', null, '[1,2,3]']);

describe('json_extract_*', () => {
  it('json_extract_string', () => {
    assert.deepEqual(run('json_extract_string', [docs, lit('a'), lit('b')]), ['x', '', '', null, '']);
    assert.deepEqual(run('JSONExtractString', [strCol([doc]), lit('list'), lit(3), lit('k')]), ['v']);
    assert.deepEqual(run('json_extract_string', [strCol([doc]), lit('list'), lit(-2)]), ['two']);
    assert.deepEqual(run('json_extract_string', [strCol([doc]), lit('list'), lit(0)]), ['']);
    assert.deepEqual(run('json_extract_string', [strCol([doc]), lit('a'), lit('n')]), ['']);
    assert.deepEqual(run('json_extract_string', [strCol([doc]), lit('odd key')]), ['']);
    assert.deepEqual(run('json_extract_string', [strCol(['"root"'])]), ['root']);
    assert.deepEqual(run('json_extract_string', [strCol(['{"__proto__":"p"}']), lit('__proto__')]), ['p']);
    assert.deepEqual(run('json_extract_string', [strCol(['{}']), lit('toString')]), ['']);
  });

  it('json_extract_int / uint / float / bool', () => {
    const one = strCol([doc]);
    assert.deepEqual(run('json_extract_int', [one, lit('a'), lit('n')]), [41]);
    assert.deepEqual(run('json_extract_int', [one, lit('a'), lit('neg')]), [-2]);
    assert.deepEqual(run('json_extract_int', [one, lit('a'), lit('t')]), [1]);
    assert.deepEqual(run('json_extract_int', [one, lit('s')]), [0]);
    assert.deepEqual(run('json_extract_uint', [one, lit('a'), lit('neg')]), [0]);
    assert.deepEqual(run('json_extract_float', [one, lit('a'), lit('n')]), [41.9]);
    assert.deepEqual(run('json_extract_float', [docs, lit('list'), lit(1)]), [10, 0, 0, null, 0]);
    assert.deepEqual(run('json_extract_int', [strCol(['[1,2,3]']), lit(2)]), [2]);
    assert.deepEqual(run('json_extract_bool', [one, lit('a'), lit('t')]), [true]);
    assert.deepEqual(run('json_extract_bool', [one, lit('a'), lit('f')]), [false]);
    assert.deepEqual(run('json_extract_bool', [one, lit('a'), lit('n')]), [false]);
    assert.deepEqual(returnTypeOf('json_extract_int', [T.string, T.string]), T.int64);
    assert.deepEqual(returnTypeOf('json_extract_bool', [T.string, T.string]), T.bool);
  });

  it('json_extract_raw, json_has, json_length, keys, array_raw, is_valid_json', () => {
    const one = strCol([doc]);
    assert.deepEqual(run('json_extract_raw', [one, lit('a'), lit('b')]), ['"x"']);
    assert.deepEqual(run('json_extract_raw', [one, lit('list'), lit(3)]), ['{"k":"v"}']);
    assert.deepEqual(run('json_extract_raw', [one, lit('missing')]), ['']);
    assert.deepEqual(run('json_extract_raw', [one, lit('a'), lit('z')]), ['null']);
    assert.deepEqual(run('json_has', [docs, lit('a'), lit('z')]), [true, false, false, null, false]);
    assert.deepEqual(run('json_has', [one, lit('list'), lit(4)]), [false]);
    assert.deepEqual(run('json_length', [one, lit('list')]), [3]);
    assert.deepEqual(run('json_extract_keys', [one, lit('a')]), [['b', 'n', 'neg', 't', 'f', 'z']]);
    assert.deepEqual(run('json_extract_array_raw', [one, lit('list')]), [['10', '"two"', '{"k":"v"}']]);
    assert.deepEqual(run('is_valid_json', [docs]), [true, false, false, null, true]);
  });

  it('per-row paths', () => {
    const rows = strCol(['{"a":1,"b":2}', '{"a":1,"b":2}']);
    assert.deepEqual(run('json_extract_int', [rows, strCol(['a', 'b'])]), [1, 2]);
    assert.deepEqual(run('json_extract_int', [strCol(['[5,6]', '[5,6]']), numCol([1, 2], T.int32)]), [5, 6]);
  });

  it('json_value takes a JSONPath', () => {
    assert.deepEqual(run('json_value', [docs, lit('$.a.b')]), ['x', '', '', null, '']);
    assert.deepEqual(run('json_value', [strCol([doc]), lit('$.list[0]')]), ['10']);
    assert.deepEqual(run('json_value', [strCol([doc]), lit("$['odd key']")]), ['1']);
    assert.deepEqual(run('json_value', [strCol([doc]), lit('$.a')]), ['']);
    assert.deepEqual(run('json_value', [strCol([doc]), lit('$.a.t')]), ['true']);
    resolveFails('json_value', [T.string, T.string], "function json_value: JSON path 'a.b' must start with '$'", [undefined, 'a.b']);
  });

  it('empty input and errors', () => {
    assert.deepEqual(run('json_extract_string', [strCol([]), lit('a')]), []);
    resolveFails('json_extract_string', [], 'function json_extract_string takes at least 1 argument, got 0');
    resolveFails('json_extract_int', [T.int32, T.string], 'function json_extract_int: argument 1 must be a string, got int32');
    resolveFails('json_extract_int', [T.string, T.float64], 'function json_extract_int: argument 2 must be a string key or an integer index, got float64');
  });
});

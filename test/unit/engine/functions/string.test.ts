// String functions: value tables with unicode, empty strings and NULLs; LIKE and regex compilation
// (constant and per-row patterns); arrays where functions take them; empty input; errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { like } from '../../../../src/engine/functions/index.ts';
import { T, arrCol, boolCol, call, lit, numCol, resolveFails, returnTypeOf, run, strCol, throwsDb, timeCol } from './support.ts';

describe('case, trim, reverse', () => {
  it('lower and upper use Unicode case mapping', () => {
    assert.deepEqual(run('lower', [strCol(['ABC', 'ÄÖ', '', null])]), ['abc', 'äö', '', null]);
    assert.deepEqual(run('upper', [strCol(['straße', 'abc'])]), ['STRASSE', 'ABC']);
    assert.deepEqual(run('lowerUTF8', [strCol(['X'])]), ['x']);
  });

  it('trim, trim_left, trim_right', () => {
    assert.deepEqual(run('trim', [strCol(['  a b \t\n', '', null])]), ['a b', '', null]);
    assert.deepEqual(run('trim_left', [strCol(['  a  '])]), ['a  ']);
    assert.deepEqual(run('rtrim', [strCol(['  a  '])]), ['  a']);
  });

  it('reverse strings by code point, and arrays', () => {
    assert.deepEqual(run('reverse', [strCol(['abc', '', 'a😀b', null])]), ['cba', '', 'b😀a', null]);
    assert.deepEqual(run('reverse', [arrCol([[1, 2, 3], []], T.int32)]), [[3, 2, 1], []]);
    resolveFails('reverse', [T.int32], 'function reverse: argument 1 must be a string or an array, got int32');
  });
});

describe('length family', () => {
  it('length counts UTF-8 bytes; char_length counts code points', () => {
    const s = strCol(['abc', 'é', '日本', '😀', '', null]);
    assert.deepEqual(run('length', [s]), [3, 2, 6, 4, 0, null]);
    assert.deepEqual(run('char_length', [s]), [3, 1, 2, 1, 0, null]);
    assert.deepEqual(run('lengthUTF8', [s]), [3, 1, 2, 1, 0, null]);
    assert.deepEqual(returnTypeOf('length', [T.string]), T.uint64);
  });

  it('length, empty and not_empty take arrays', () => {
    const a = arrCol([[1, 2], [], [null]], T.nullable(T.int32));
    assert.deepEqual(run('length', [a]), [2, 0, 1]);
    assert.deepEqual(run('empty', [a]), [false, true, false]);
    assert.deepEqual(run('not_empty', [a]), [true, false, true]);
    assert.deepEqual(run('empty', [strCol(['', 'x', null])]), [true, false, null]);
    assert.deepEqual(run('notEmpty', [strCol(['', 'x'])]), [false, true]);
    resolveFails('length', [T.int32], 'function length: argument 1 must be a string or an array, got int32');
  });
});

describe('concat and to_string', () => {
  it('concat converts numbers, bools and times with to_string rules', () => {
    assert.deepEqual(run('concat', [strCol(['a', 'b', null]), lit('-'), numCol([1, 2.5, 3])]), ['a-1', 'b-2.5', null]);
    assert.deepEqual(run('concat', [boolCol([true]), lit(' '), timeCol(['2026-01-01 00:00:00'])]), ['true 2026-01-01 00:00:00.000']);
    assert.deepEqual(run('concat', [strCol(['only'])]), ['only']);
    assert.deepEqual(run('concat', [strCol([]), strCol([])]), []);
    resolveFails('concat', [], 'function concat takes at least 1 argument, got 0');
    resolveFails('concat', [T.string, T.array(T.int32)], 'function concat: argument 2 must be a string or a number, got array(int32)');
  });

  it('to_string of every class', () => {
    assert.deepEqual(run('to_string', [numCol([1, -0, 2 ** 53 - 1], T.int64)]), ['1', '0', '9007199254740991']);
    assert.deepEqual(run('to_string', [numCol([0.1, NaN, Infinity, -Infinity, 1e21, 1e-7])]), ['0.1', 'nan', 'inf', '-inf', '1e21', '1e-7']);
    assert.deepEqual(run('to_string', [numCol([Math.fround(0.1)], T.float32)]), ['0.1']);
    assert.deepEqual(run('to_string', [boolCol([true, false, null])]), ['true', 'false', null]);
    assert.deepEqual(run('to_string', [timeCol(['2026-01-01T00:00:00.123Z', '1969-12-31T23:59:59.999Z'])]), ['2026-01-01 00:00:00.123', '1969-12-31 23:59:59.999']);
    assert.deepEqual(run('to_string', [numCol([0], T.datetime())]), ['1970-01-01 00:00:00']);
    assert.deepEqual(run('to_string', [numCol([-1, 19_782], T.date)]), ['1969-12-31', '2024-02-29']);
    assert.deepEqual(run('toString', [arrCol([[1, 2], []], T.int32)]), ['[1,2]', '[]']);
    assert.deepEqual(run('to_string', [arrCol([["it's", null]], T.nullable(T.string))]), ["['it\\'s',NULL]"]);
    assert.deepEqual(run('to_string', [strCol(['x'])]), ['x']);
  });
});

describe('substring, position, starts_with, ends_with', () => {
  it('substring follows ClickHouse on code points', () => {
    const s = strCol(['hello', 'hello', 'hello', 'hello', 'hello', 'héllo😀', '', null]);
    const offsets = numCol([1, 2, -3, 0, 10, 2, 1, 1], T.int32);
    assert.deepEqual(run('substring', [s, offsets]), ['hello', 'ello', 'llo', '', '', 'éllo😀', '', null]);
    assert.deepEqual(run('substring', [strCol(['hello', 'hello', 'abc', 'a😀bc']), numCol([2, 1, -5, 2], T.int32), numCol([3, -2, 3, 1], T.int32)]), ['ell', 'hel', 'a', '😀']);
    assert.deepEqual(run('substr', [strCol([]), lit(1)]), []);
    resolveFails('substring', [T.string], 'function substring takes 2 or 3 arguments, got 1');
    resolveFails('substring', [T.string, T.float64], 'function substring: argument 2 must be an integer, got float64');
    resolveFails('substring', [T.int32, T.int32], 'function substring: argument 1 must be a string, got int32');
  });

  it('position is 1-based in code points, 0 when absent', () => {
    assert.deepEqual(run('position', [strCol(['hello', 'hello', '😀ab', 'x', '', null]), strCol(['l', 'z', 'a', '', '', 'a'])]), [3, 0, 2, 1, 1, null]);
    assert.deepEqual(returnTypeOf('position', [T.string, T.string]), T.uint64);
    resolveFails('position', [T.string, T.int32], 'function position: argument 2 must be a string, got int32');
  });

  it('starts_with and ends_with', () => {
    assert.deepEqual(run('starts_with', [strCol(['abc', 'abc', '', null]), strCol(['ab', 'bc', '', 'a'])]), [true, false, true, null]);
    assert.deepEqual(run('endsWith', [strCol(['abc', 'ab']), lit('bc')]), [true, false]);
  });
});

describe('replace and split', () => {
  it('replace_all / replace_one with literal needles', () => {
    assert.deepEqual(run('replace_all', [strCol(['a.b.c', 'xyz', '', null]), lit('.'), lit('-')]), ['a-b-c', 'xyz', '', null]);
    assert.deepEqual(run('replace', [strCol(['aaa']), lit('a'), lit('$&')]), ['$&$&$&']);
    assert.deepEqual(run('replace_one', [strCol(['a.b.c']), lit('.'), lit('-')]), ['a-b.c']);
    assert.deepEqual(run('replace_all', [strCol(['abc']), lit(''), lit('x')]), ['abc']);
    resolveFails('replace_all', [T.string, T.string], 'function replace_all takes 3 arguments, got 2');
  });

  it('replace_regex uses ClickHouse replacement syntax', () => {
    assert.deepEqual(run('replace_regex', [strCol(['2026-01-02']), lit('(\\d+)-(\\d+)-(\\d+)'), lit('\\3/\\2/\\1')]), ['02/01/2026']);
    assert.deepEqual(run('replaceRegexpAll', [strCol(['a1b22']), lit('\\d'), lit('<\\0>')]), ['a<1>b<2><2>']);
    assert.deepEqual(run('replace_regex_one', [strCol(['a1b22']), lit('\\d'), lit('#$')]), ['a#$b22']);
    throwsDb(() => call('replace_regex', [strCol(['x']), lit('('), lit('')]), 'INVALID_ARGUMENT', "function replace_regex: invalid regular expression '('");
  });

  it('split_by_string', () => {
    assert.deepEqual(run('split_by_string', [lit(','), strCol(['a,b,,c', '', 'x', null])]), [['a', 'b', '', 'c'], [''], ['x'], null]);
    assert.deepEqual(run('split_by_string', [lit(''), strCol(['a😀'])]), [['a', '😀']]);
    assert.deepEqual(returnTypeOf('split_by_string', [T.string, T.string]), T.array(T.string));
  });

  it('repeat is bounded', () => {
    assert.deepEqual(run('repeat', [strCol(['ab', 'x']), numCol([2, 0], T.int32)]), ['abab', '']);
    throwsDb(() => call('repeat', [strCol(['x']), numCol([-1], T.int32)]), 'INVALID_VALUE', 'function repeat: count -1 is outside');
  });
});

describe('like and match', () => {
  it('the like helper: %, _, escapes, case folding', () => {
    const cases: readonly [string, boolean, string, boolean][] = [
      ['abc', false, 'abc', true],
      ['abc', false, 'abcd', false],
      ['a%', false, 'abc', true],
      ['%c', false, 'abc', true],
      ['%b%', false, 'abc', true],
      ['a_c', false, 'abc', true],
      ['a_c', false, 'a😀c', true],
      ['a_c', false, 'ac', false],
      ['100\\%', false, '100%', true],
      ['100\\%', false, '1000', false],
      ['a\\_b', false, 'a_b', true],
      ['a\\_b', false, 'axb', false],
      ['%.%', false, 'a.b', true],
      ['%.%', false, 'ab', false],
      ['(a)[b]', false, '(a)[b]', true],
      ['A%', true, 'abc', true],
      ['É_', true, 'éx', true],
      ['', false, '', true],
      ['%', false, '', true],
      ['a%b%c', false, 'aXbYc', true],
      ['a%b%c', false, 'aXcYb', false],
      ['line%', false, 'line1\nline2', true],
    ];
    for (const [pattern, ci, input, expected] of cases) assert.equal(like(pattern, ci)(input), expected, `${pattern} ~ ${input}`);
  });

  it('like / ilike / not_like over columns, constant or per-row patterns', () => {
    const s = strCol(['apple', 'Banana', '', null]);
    assert.deepEqual(run('like', [s, lit('%an%')]), [false, true, false, null]);
    assert.deepEqual(run('ilike', [s, lit('b%')]), [false, true, false, null]);
    assert.deepEqual(run('not_like', [s, lit('a%')]), [false, true, true, null]);
    assert.deepEqual(run('not_ilike', [s, lit('A%')]), [false, true, true, null]);
    assert.deepEqual(run('like', [strCol(['abc', 'abc', 'xyz']), strCol(['a%', 'b%', 'x_z'])]), [true, false, true]);
    resolveFails('like', [T.string, T.int32], 'function like: argument 2 must be a string, got int32');
  });

  it('match: unanchored, compiled once, RE2 inline flags, invalid patterns', () => {
    assert.deepEqual(run('match', [strCol(['abc123', 'abc', '', null]), lit('\\d+')]), [true, false, false, null]);
    assert.deepEqual(run('match', [strCol(['ABC']), lit('(?i)^abc$')]), [true]);
    assert.deepEqual(run('match', [strCol(['a', 'b']), strCol(['a', 'a'])]), [true, false]);
    throwsDb(() => call('match', [strCol(['x']), lit('[')]), 'INVALID_ARGUMENT', "function match: invalid regular expression '['");
    throwsDb(() => call('match', [strCol(['x']), strCol(['(('])]), 'INVALID_ARGUMENT', 'invalid regular expression');
    resolveFails('match', [T.string], 'function match takes 2 arguments, got 1');
  });

  it('extract: first group or whole match', () => {
    assert.deepEqual(run('extract', [strCol(['id=42;', 'none']), lit('id=(\\d+)')]), ['42', '']);
    assert.deepEqual(run('extract', [strCol(['abc123def']), lit('\\d+')]), ['123']);
  });
});

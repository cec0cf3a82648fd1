// String functions: lower, upper, length, char_length, concat, substring, replace_all, replace_one,
// replace_regex, replace_regex_one, position, match, extract, like/ilike/not_like/not_ilike,
// starts_with, ends_with, trim/trim_left/trim_right, to_string, empty, not_empty, reverse,
// split_by_string.
//
// Characters are code points: char_length, substring, position and reverse count code points
// (ClickHouse's *UTF8 variants), while length counts UTF-8 bytes like ClickHouse's length.
// lower/upper use Unicode case mapping (ClickHouse's lowerUTF8/upperUTF8). trim removes whitespace
// as JavaScript's String.prototype.trim defines it (spaces, tabs, newlines, Unicode spaces).
// length, empty, not_empty and reverse also take arrays. uuid arguments count as strings.
import { DbError } from '../../core/errors.ts';
import { type DataType, T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { castCol } from './cast.ts';
import type { ScalarFunctionDef } from './function.ts';
import { PatternCache, type StringPredicate, compileRegex, like, replacementOf } from './pattern.ts';
import {
  arrayCol,
  arrays,
  checkArity,
  expectPlainNumber,
  expectString,
  isArray,
  isIntegral,
  isStringLike,
  mapStrings,
  mapStrings2ToNumbers,
  mapStringsToNumbers,
  numberCol,
  numbers,
  propagating,
  stringCol,
  strings,
  typeError,
} from './support.ts';

// ---------------------------------------------------------------------------------------------
// Code point and UTF-8 helpers

const SURROGATE = /[\uD800-\uDFFF]/;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogateAt(s: string, i: number): boolean {
  const code = s.charCodeAt(i);
  return code >= 0xdc00 && code <= 0xdfff;
}

/** UTF-8 byte length (lone surrogates count 3, as their U+FFFD replacement). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (isHighSurrogate(code) && i + 1 < s.length && isLowSurrogateAt(s, i + 1)) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Number of code points. */
export function codePointLength(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    count++;
    if (isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogateAt(s, i + 1)) i++;
  }
  return count;
}

/**
 * ClickHouse substring on code points: offset 1-based, negative from the end, 0 gives ''; length
 * absent = to the end, negative = stop that many characters before the end. The window is clipped
 * to the string, so substring('abc', -5, 3) = 'a'.
 */
export function substringOf(s: string, offset: number, length: number | undefined): string {
  if (offset === 0 || Number.isNaN(offset)) return '';
  const chars: string | string[] = SURROGATE.test(s) ? Array.from(s) : s;
  const n = chars.length;
  const start = offset > 0 ? offset - 1 : n + offset;
  const end = length === undefined ? n : length >= 0 ? start + length : n + length;
  const from = Math.max(0, Math.trunc(start));
  const to = Math.min(n, Math.trunc(end));
  if (to <= from) return '';
  return typeof chars === 'string' ? chars.slice(from, to) : chars.slice(from, to).join('');
}

/** 1-based code point position of `needle` in `haystack`, 0 when absent, 1 for an empty needle. */
export function positionOf(haystack: string, needle: string): number {
  const index = haystack.indexOf(needle);
  if (index < 0) return 0;
  return codePointLength(haystack.slice(0, index)) + 1;
}

function reverseString(s: string): string {
  if (!SURROGATE.test(s)) {
    let out = '';
    for (let i = s.length - 1; i >= 0; i--) out += s[i];
    return out;
  }
  return Array.from(s).reverse().join('');
}

// ---------------------------------------------------------------------------------------------
// Definitions

function stringUnary(name: string, fn: (s: string) => string, aliases: readonly string[] = []): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectString(name, argTypes, 0);
      return propagating(T.string, (args, rowCount) => stringCol(T.string, mapStrings(strings(args[0], name), rowCount, fn)));
    },
  };
}

/** string → number functions that also accept arrays (length, empty, not_empty). */
function stringOrArrayMeasure(
  name: string,
  returnType: DataType,
  ofString: (s: string) => number,
  ofArray: (a: readonly Value[]) => number,
  aliases: readonly string[] = [],
): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      const array = isArray(argTypes[0]);
      if (!array && !isStringLike(argTypes[0])) throw typeError(name, 0, 'a string or an array', argTypes[0]);
      return propagating(returnType, (args, rowCount) => {
        if (!array) return numberCol(returnType, mapStringsToNumbers(strings(args[0], name), rowCount, ofString));
        const source = arrays(args[0]);
        const out = new Float64Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = ofArray(source[i]);
        return numberCol(returnType, out);
      });
    },
  };
}

function stringBinary(name: string, returnType: DataType, fn: (a: string, b: string) => number, aliases: readonly string[] = []): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 2);
      expectString(name, argTypes, 0);
      expectString(name, argTypes, 1);
      return propagating(returnType, (args, rowCount) =>
        numberCol(returnType, mapStrings2ToNumbers(strings(args[0], name), strings(args[1], name), rowCount, fn)),
      );
    },
  };
}

const concat: ScalarFunctionDef = {
  name: 'concat',
  resolve(argTypes) {
    checkArity('concat', argTypes, 1, Infinity);
    for (let i = 0; i < argTypes.length; i++) if (isArray(argTypes[i])) throw typeError('concat', i, 'a string or a number', argTypes[i]);
    return propagating(T.string, (args, rowCount) => {
      const parts = args.map((a) => strings(castCol(a, T.string, rowCount), 'concat'));
      const out = parts[0].slice(0, rowCount);
      for (let k = 1; k < parts.length; k++) {
        const next = parts[k];
        for (let i = 0; i < rowCount; i++) out[i] += next[i];
      }
      return stringCol(T.string, out);
    });
  },
};

const substring: ScalarFunctionDef = {
  name: 'substring',
  aliases: ['substr', 'mid', 'substring_utf8'],
  resolve(argTypes) {
    checkArity('substring', argTypes, 2, 3);
    expectString('substring', argTypes, 0);
    for (let i = 1; i < argTypes.length; i++) if (!isIntegral(argTypes[i])) throw typeError('substring', i, 'an integer', argTypes[i]);
    const hasLength = argTypes.length === 3;
    return propagating(T.string, (args, rowCount) => {
      const source = strings(args[0], 'substring');
      const offsets = numbers(args[1], 'substring');
      const lengths = hasLength ? numbers(args[2], 'substring') : null;
      const out = new Array<string>(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = substringOf(source[i], offsets[i], lengths === null ? undefined : lengths[i]);
      return stringCol(T.string, out);
    });
  },
};

/** replace_all / replace_one: literal needle; an empty needle leaves the string unchanged. */
function replaceLiteral(name: string, all: boolean, aliases: readonly string[]): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 3);
      for (let i = 0; i < 3; i++) expectString(name, argTypes, i);
      return propagating(T.string, (args, rowCount) => {
        const source = strings(args[0], name);
        const needles = strings(args[1], name);
        const replacements = strings(args[2], name);
        const out = new Array<string>(rowCount);
        for (let i = 0; i < rowCount; i++) {
          const needle = needles[i];
          if (needle === '') out[i] = source[i];
          else if (all) out[i] = source[i].split(needle).join(replacements[i]);
          else {
            const at = source[i].indexOf(needle);
            out[i] = at < 0 ? source[i] : source[i].slice(0, at) + replacements[i] + source[i].slice(at + needle.length);
          }
        }
        return stringCol(T.string, out);
      });
    },
  };
}

/** A compiled-once-if-constant regular expression argument. */
function regexArgument(name: string, constant: unknown, flags: string): (pattern: string) => RegExp {
  if (typeof constant === 'string') {
    const compiled = compileRegex(name, constant, flags);
    return () => compiled;
  }
  return (pattern) => compileRegex(name, pattern, flags);
}

/** replace_regex (all) / replace_regex_one with ClickHouse replacement syntax (\0, \1 …). */
function replaceRegex(name: string, all: boolean, aliases: readonly string[]): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 3);
      for (let i = 0; i < 3; i++) expectString(name, argTypes, i);
      const regexOf = regexArgument(name, constants[1], all ? 'g' : '');
      return propagating(T.string, (args, rowCount) => {
        const source = strings(args[0], name);
        const patterns = strings(args[1], name);
        const replacements = strings(args[2], name);
        const cache = new PatternCache(regexOf);
        const out = new Array<string>(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = source[i].replace(cache.get(patterns[i]), replacementOf(replacements[i]));
        return stringCol(T.string, out);
      });
    },
  };
}

const match: ScalarFunctionDef = {
  name: 'match',
  aliases: ['regexp_match'],
  resolve(argTypes, constants) {
    checkArity('match', argTypes, 2);
    expectString('match', argTypes, 0);
    expectString('match', argTypes, 1);
    const regexOf = regexArgument('match', constants[1], '');
    return propagating(T.bool, (args, rowCount) => {
      const source = strings(args[0], 'match');
      const patterns = strings(args[1], 'match');
      const cache = new PatternCache(regexOf);
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = cache.get(patterns[i]).test(source[i]) ? 1 : 0;
      return numberCol(T.bool, out);
    });
  },
};

/** extract(s, regex): the first match, or its first capture group when the pattern has one; '' if none. */
const extract: ScalarFunctionDef = {
  name: 'extract',
  aliases: ['regexp_extract'],
  resolve(argTypes, constants) {
    checkArity('extract', argTypes, 2);
    expectString('extract', argTypes, 0);
    expectString('extract', argTypes, 1);
    const regexOf = regexArgument('extract', constants[1], '');
    return propagating(T.string, (args, rowCount) => {
      const source = strings(args[0], 'extract');
      const patterns = strings(args[1], 'extract');
      const cache = new PatternCache(regexOf);
      const out = new Array<string>(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const found = cache.get(patterns[i]).exec(source[i]);
        out[i] = found === null ? '' : (found.length > 1 ? found[1] : found[0]) ?? '';
      }
      return stringCol(T.string, out);
    });
  },
};

function likeFunction(name: string, caseInsensitive: boolean, negated: boolean): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 2);
      expectString(name, argTypes, 0);
      expectString(name, argTypes, 1);
      const fixed = typeof constants[1] === 'string' ? like(constants[1], caseInsensitive) : null;
      const yes = negated ? 0 : 1;
      return propagating(T.bool, (args, rowCount) => {
        const source = strings(args[0], name);
        const out = new Float64Array(rowCount);
        if (fixed !== null) {
          for (let i = 0; i < rowCount; i++) out[i] = fixed(source[i]) ? yes : 1 - yes;
          return numberCol(T.bool, out);
        }
        const patterns = strings(args[1], name);
        const cache = new PatternCache<StringPredicate>((p) => like(p, caseInsensitive));
        for (let i = 0; i < rowCount; i++) out[i] = cache.get(patterns[i])(source[i]) ? yes : 1 - yes;
        return numberCol(T.bool, out);
      });
    },
  };
}

const toStringFunction: ScalarFunctionDef = {
  name: 'to_string',
  resolve(argTypes) {
    checkArity('to_string', argTypes, 1);
    return propagating(T.string, (args, rowCount) => {
      const cast = castCol(args[0], T.string, rowCount);
      return { type: T.string, values: cast.values, nulls: null };
    });
  },
};

const reverse: ScalarFunctionDef = {
  name: 'reverse',
  aliases: ['reverse_utf8'],
  resolve(argTypes) {
    checkArity('reverse', argTypes, 1);
    const type = argTypes[0];
    if (isArray(type)) {
      return propagating(type, (args, rowCount) => {
        const source = arrays(args[0]);
        const out: Value[][] = new Array(rowCount);
        for (let i = 0; i < rowCount; i++) out[i] = source[i].slice().reverse();
        return arrayCol(type, out);
      });
    }
    if (!isStringLike(type)) throw typeError('reverse', 0, 'a string or an array', type);
    return propagating(T.string, (args, rowCount) => stringCol(T.string, mapStrings(strings(args[0], 'reverse'), rowCount, reverseString)));
  },
};

const splitByString: ScalarFunctionDef = {
  name: 'split_by_string',
  resolve(argTypes) {
    checkArity('split_by_string', argTypes, 2);
    expectString('split_by_string', argTypes, 0);
    expectString('split_by_string', argTypes, 1);
    const returnType = T.array(T.string);
    return propagating(returnType, (args, rowCount) => {
      const separators = strings(args[0], 'split_by_string');
      const source = strings(args[1], 'split_by_string');
      const out: Value[][] = new Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = separators[i] === '' ? Array.from(source[i]) : source[i].split(separators[i]);
      return arrayCol(returnType, out);
    });
  },
};

/** Bounds repeat's count: one row's result must not exhaust memory on a hostile n. */
export const STRING_REPEAT_COUNT_MAX = 1_000_000;

/** repeat(s, n): n copies of s. */
const repeat: ScalarFunctionDef = {
  name: 'repeat',
  resolve(argTypes) {
    checkArity('repeat', argTypes, 2);
    expectString('repeat', argTypes, 0);
    expectPlainNumber('repeat', argTypes, 1);
    return propagating(T.string, (args, rowCount) => {
      const source = strings(args[0], 'repeat');
      const counts = numbers(args[1], 'repeat');
      const out = new Array<string>(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const count = Math.trunc(counts[i]);
        const isNull = (args[0].nulls !== null && args[0].nulls[i] === 1) || (args[1].nulls !== null && args[1].nulls[i] === 1);
        if (!isNull && !(count >= 0 && count <= STRING_REPEAT_COUNT_MAX)) {
          throw new DbError('INVALID_VALUE', `function repeat: count ${counts[i]} is outside 0…${STRING_REPEAT_COUNT_MAX} (row ${i + 1})`);
        }
        out[i] = isNull ? '' : source[i].repeat(count);
      }
      return stringCol(T.string, out);
    });
  },
};

function isEmptyString(s: string): number {
  return s.length === 0 ? 1 : 0;
}

export const STRING_FUNCTIONS: readonly ScalarFunctionDef[] = [
  stringUnary('lower', (s) => s.toLowerCase(), ['lower_utf8', 'lcase']),
  stringUnary('upper', (s) => s.toUpperCase(), ['upper_utf8', 'ucase']),
  stringUnary('trim', (s) => s.trim(), ['trim_both']),
  stringUnary('trim_left', (s) => s.trimStart(), ['ltrim']),
  stringUnary('trim_right', (s) => s.trimEnd(), ['rtrim']),
  stringOrArrayMeasure('length', T.uint64, utf8Length, (a) => a.length, ['octet_length']),
  stringOrArrayMeasure('char_length', T.uint64, codePointLength, (a) => a.length, ['length_utf8', 'character_length']),
  stringOrArrayMeasure('empty', T.bool, isEmptyString, (a) => (a.length === 0 ? 1 : 0)),
  stringOrArrayMeasure('not_empty', T.bool, (s) => 1 - isEmptyString(s), (a) => (a.length === 0 ? 0 : 1)),
  concat,
  substring,
  replaceLiteral('replace_all', true, ['replace']),
  replaceLiteral('replace_one', false, []),
  replaceRegex('replace_regex', true, ['replace_regexp_all', 'replace_regex_all']),
  replaceRegex('replace_regex_one', false, ['replace_regexp_one']),
  stringBinary('position', T.uint64, positionOf, ['locate', 'position_utf8']),
  match,
  extract,
  likeFunction('like', false, false),
  likeFunction('ilike', true, false),
  likeFunction('not_like', false, true),
  likeFunction('not_ilike', true, true),
  stringBinary('starts_with', T.bool, (a, b) => (a.startsWith(b) ? 1 : 0)),
  stringBinary('ends_with', T.bool, (a, b) => (a.endsWith(b) ? 1 : 0)),
  toStringFunction,
  reverse,
  splitByString,
  repeat,
];

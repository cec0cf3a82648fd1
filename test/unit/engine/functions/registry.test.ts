// The registry: canonical names, aliases and derived camelCase spellings resolve case-insensitively;
// every function reports a wrong argument count with its own name; misc functions (to_type_name, has).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDbError } from '../../../../src/core/errors.ts';
import { SCALAR_FUNCTION_NAMES, lookupScalarFunction } from '../../../../src/engine/functions/index.ts';
import { T, arrCol, boolCol, lit, numCol, resolveFails, run, strCol } from './support.ts';

describe('registry', () => {
  it('names are sorted, unique, snake_case', () => {
    assert.deepEqual([...SCALAR_FUNCTION_NAMES].sort(), SCALAR_FUNCTION_NAMES);
    assert.equal(new Set(SCALAR_FUNCTION_NAMES).size, SCALAR_FUNCTION_NAMES.length);
    for (const name of SCALAR_FUNCTION_NAMES) {
      assert.match(name, /^[a-z][a-z0-9_]*$/);
      assert.equal(lookupScalarFunction(name)?.name, name);
    }
  });

  it('required functions exist', () => {
    const required = 'plus minus multiply divide modulo int_div negate equals not_equals less greater less_or_equals greater_or_equals and or not xor if multi_if coalesce if_null null_if is_null is_not_null assume_not_null like ilike not_like lower upper length char_length length_utf8 concat substring replace replace_all replace_one replace_regex position match starts_with ends_with trim to_string empty not_empty reverse split_by_string abs floor ceil round sqrt log ln log2 log10 exp pow power greatest least sign to_int8 to_int16 to_int32 to_int64 to_uint8 to_uint16 to_uint32 to_uint64 to_float32 to_float64 to_bool to_datetime to_datetime64 to_date now now64 today to_start_of_second to_start_of_minute to_start_of_five_minutes to_start_of_fifteen_minutes to_start_of_hour to_start_of_day to_start_of_week to_start_of_month to_start_of_year to_hour to_minute to_second to_year to_month to_day_of_month to_day_of_week to_unix_timestamp to_unix_timestamp64_milli from_unix_timestamp64_milli date_diff date_add date_sub earliest_ts format_datetime json_extract_string json_extract_int json_extract_float json_extract_bool json_extract_raw json_has to_type_name has';
    for (const name of required.split(' ')) assert.ok(lookupScalarFunction(name) !== undefined, name);
  });

  it('aliases and camelCase, any case', () => {
    const pairs: readonly [string, string][] = [
      ['toStartOfMinute', 'to_start_of_minute'],
      ['TOSTARTOFMINUTE', 'to_start_of_minute'],
      ['multiIf', 'multi_if'],
      ['toString', 'to_string'],
      ['JSONExtractString', 'json_extract_string'],
      ['JSONHas', 'json_has'],
      ['ifNull', 'if_null'],
      ['nullIf', 'null_if'],
      ['intDiv', 'int_div'],
      ['lengthUTF8', 'char_length'],
      ['replaceRegexpAll', 'replace_regex'],
      ['toUnixTimestamp64Milli', 'to_unix_timestamp64_milli'],
      ['fromUnixTimestamp64Milli', 'from_unix_timestamp64_milli'],
      ['dateDiff', 'date_diff'],
      ['formatDateTime', 'format_datetime'],
      ['toDateTime64', 'to_datetime64'],
      ['toTypeName', 'to_type_name'],
      ['Plus', 'plus'],
      ['ln', 'log'],
      ['power', 'pow'],
      ['replace', 'replace_all'],
    ];
    for (const [alias, name] of pairs) assert.equal(lookupScalarFunction(alias)?.name, name, alias);
    assert.equal(lookupScalarFunction('no_such_function'), undefined);
  });

  it('every function names itself when given too many arguments', () => {
    const many = new Array(40).fill(T.int32);
    for (const name of SCALAR_FUNCTION_NAMES) {
      try {
        lookupScalarFunction(name)!.resolve(many, []);
      } catch (error) {
        assert.ok(isDbError(error, 'INVALID_ARGUMENT'), `${name}: ${String(error)}`);
        assert.ok((error as Error).message.includes(`function ${name}`), `${name}: ${(error as Error).message}`);
      }
    }
  });
});

describe('misc', () => {
  it('to_type_name', () => {
    assert.deepEqual(run('to_type_name', [numCol([1, null], T.int32)]), ['nullable(int32)', 'nullable(int32)']);
    assert.deepEqual(run('toTypeName', [arrCol([[]], T.string)]), ['array(string)']);
    assert.deepEqual(run('to_type_name', [numCol([], T.int32)]), []);
    resolveFails('to_type_name', [], 'function to_type_name takes 1 argument, got 0');
  });

  it('has', () => {
    const a = arrCol([[1, 2], [], [null, 3]], T.nullable(T.int32));
    assert.deepEqual(run('has', [a, lit(2)]), [true, false, false]);
    assert.deepEqual(run('has', [a, numCol([1, 1, null], T.int32)]), [true, false, true]);
    assert.deepEqual(run('has', [arrCol([['a', 'b']], T.string), lit('b')]), [true]);
    assert.deepEqual(run('has', [arrCol([[true]], T.bool), boolCol([true])]), [true]);
    resolveFails('has', [T.int32, T.int32], 'function has: argument 1 must be an array, got int32');
    resolveFails('has', [T.array(T.int32), T.string], 'function has: argument 2 must be comparable with int32, got string');
    void strCol;
  });
});

// Type conversion functions, all through castColWith (cast.ts has the rules):
//   to_int8 … to_int64, to_uint8 … to_uint64, to_float32, to_float64, to_bool, to_date, to_uuid,
//   to_datetime(x[, 'UTC']), to_datetime64(x[, 3[, 'UTC']]);
//   the same with _or_null (a value that does not convert becomes NULL) and _or_zero (becomes 0,
//   the epoch, or the nil uuid) for the number, time and uuid targets.
// to_string lives with the string functions. Time zones other than UTC are refused: the engine
// shows every time in UTC (calendar.ts).
import { DbError } from '../../core/errors.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import { nullableOf } from '../column.ts';
import { type CastFailure, canCast, castColWith } from './cast.ts';
import type { ScalarFunctionDef } from './function.ts';
import { checkArity, constantInteger, constantString, propagating, typeError } from './support.ts';

const UTC_NAMES: ReadonlySet<string> = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z', 'utc0', 'universal', 'zulu']);

function checkTimeZone(name: string, argTypes: readonly DataType[], constants: readonly unknown[], index: number): void {
  if (index >= argTypes.length) return;
  const zone = constantString(name, argTypes, constants, index, 'a time zone');
  if (!UTC_NAMES.has(zone.toLowerCase())) {
    throw new DbError('INVALID_ARGUMENT', `function ${name}: time zone '${zone}' is not supported; times are UTC only`);
  }
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** A conversion to `target`; `extra` validates arguments after the first (precision, time zone). */
function conversion(
  name: string,
  target: DataType,
  failure: CastFailure,
  maxArgs: number,
  extra: (argTypes: readonly DataType[], constants: readonly unknown[]) => void,
  aliases: readonly string[] = [],
): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 1, maxArgs);
      if (!canCast(argTypes[0], target)) throw typeError(name, 0, `convertible to ${formatDataType(target)}`, argTypes[0]);
      extra(argTypes, constants);
      const returnType = failure === 'null' ? nullableOf(target) : target;
      return propagating(returnType, (args, rowCount) => {
        const cast = castColWith(args[0], target, rowCount, failure);
        if (failure === 'zero' && target.kind === 'uuid') {
          const values = cast.values as string[];
          for (let i = 0; i < rowCount; i++) if (values[i] === '') values[i] = NIL_UUID;
        }
        return cast;
      });
    },
  };
}

const noExtra = (): void => undefined;

const SIMPLE_TARGETS: readonly (readonly [string, DataType])[] = [
  ['int8', T.int8],
  ['int16', T.int16],
  ['int32', T.int32],
  ['int64', T.int64],
  ['uint8', T.uint8],
  ['uint16', T.uint16],
  ['uint32', T.uint32],
  ['uint64', T.uint64],
  ['float32', T.float32],
  ['float64', T.float64],
  ['date', T.date],
  ['uuid', T.uuid],
];

function datetimeExtra(name: string) {
  return (argTypes: readonly DataType[], constants: readonly unknown[]) => checkTimeZone(name, argTypes, constants, 1);
}

function datetime64Extra(name: string) {
  return (argTypes: readonly DataType[], constants: readonly unknown[]) => {
    if (constantInteger(name, argTypes, constants, 1, 3) !== 3) {
      throw new DbError('INVALID_ARGUMENT', `function ${name}: only precision 3 (milliseconds) is supported`);
    }
    checkTimeZone(name, argTypes, constants, 2);
  };
}

function build(): ScalarFunctionDef[] {
  const out: ScalarFunctionDef[] = [];
  for (const [suffix, target] of SIMPLE_TARGETS) {
    out.push(conversion(`to_${suffix}`, target, 'error', 1, noExtra));
    out.push(conversion(`to_${suffix}_or_null`, target, 'null', 1, noExtra));
    out.push(conversion(`to_${suffix}_or_zero`, target, 'zero', 1, noExtra));
  }
  out.push(conversion('to_bool', T.bool, 'error', 1, noExtra, ['to_boolean']));
  for (const [suffix, failure] of [['', 'error'], ['_or_null', 'null'], ['_or_zero', 'zero']] as const) {
    out.push(conversion(`to_datetime${suffix}`, T.datetime(), failure, 2, datetimeExtra(`to_datetime${suffix}`)));
    out.push(conversion(`to_datetime64${suffix}`, T.datetime64(), failure, 3, datetime64Extra(`to_datetime64${suffix}`)));
  }
  return out;
}

export const CONVERSION_FUNCTIONS: readonly ScalarFunctionDef[] = build();

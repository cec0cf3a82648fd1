// The scalar function library's public face: name lookup, casts, interval helpers and the LIKE
// compiler. The contract every function implements is function.ts; the families are
// arithmetic.ts, comparison.ts, logic.ts, conditional.ts, string.ts, math.ts, time.ts, json.ts,
// conversion.ts and misc.ts, with shared loops and checks in support.ts.
export type { EvalContext, ScalarFunctionDef, ScalarImpl } from './function.ts';
export { SCALAR_FUNCTION_NAMES, lookupScalarFunction } from './registry.ts';
export { type CastFailure, canCast, castCol, castColWith, castResultType, formatValueText } from './cast.ts';
export { addIntervalMonths, addIntervalMs } from './time.ts';
export { like } from './pattern.ts';
export { parseTimeMs, formatTime } from './calendar.ts';

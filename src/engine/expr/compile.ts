// The expression compiler: turns an SQL expression (src/sql AST) into a CompiledExpr — a closure
// over whole columns — once per query. Names are resolved against a Scope, functions against the
// registry (functions/), types are checked here, so evaluation never fails on a type, only on
// values (a failed cast names the row).
//
// Rules that live here and nowhere else:
// - NULL propagation for ordinary functions (the result is NULL where any argument is NULL);
// - a NULL literal takes the type of its sibling arguments;
// - constant subtrees (no column reference) are evaluated once per query and broadcast;
// - intervals (`5s`, `INTERVAL 5 SECOND`) exist only as the right side of `time ± interval` and as
//   arguments the planner reads (windows, EMIT PERIODIC); anywhere else they are an error.
import { DbError } from '../../core/errors.ts';
import { type Expr, type FunctionCall, formatExpression } from '../../sql/index.ts';
import { type DataType, T, dataTypeFromSpec, formatDataType, parseDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, baseType, colFromValues, colValueAt, constantCol, isNumericType, isTimeType, nullableOf, valueClassOf } from '../column.ts';
import type { ExecBatch } from '../exec-batch.ts';
import type { EvalContext, ScalarImpl } from '../functions/function.ts';
import { castCol, lookupScalarFunction } from '../functions/index.ts';
import { addIntervalMonths, addIntervalMs } from '../functions/time.ts';
import { lookupAggregateFunction } from '../aggregates/index.ts';
import { type Interval, intervalOf } from './interval.ts';
import type { Scope } from './scope.ts';

export interface CompiledExpr {
  readonly type: DataType;
  /** The SQL text, for column names and messages. */
  readonly text: string;
  /** Set when the expression has no column reference: its value, computed once. */
  readonly constant: { readonly value: Value } | null;
  evaluate(batch: ExecBatch, context: EvalContext): Col;
}

export interface CompileOptions {
  /** Query parameters (`{name:Type}`), as given by the client (strings) or the API. */
  readonly params?: ReadonlyMap<string, Value>;
  /** The query's evaluation context, used to fold constants at compile time. */
  readonly context: EvalContext;
}

const OPERATOR_FUNCTIONS: Readonly<Record<string, string>> = {
  '+': 'plus',
  '-': 'minus',
  '*': 'multiply',
  '/': 'divide',
  '%': 'modulo',
  '=': 'equals',
  '!=': 'not_equals',
  '<': 'less',
  '<=': 'less_or_equals',
  '>': 'greater',
  '>=': 'greater_or_equals',
  '||': 'concat',
  AND: 'and',
  OR: 'or',
};

const NULL_TYPE = T.nullable(T.uint8);

export function compileExpr(expr: Expr, scope: Scope, options: CompileOptions): CompiledExpr {
  return new Compiler(scope, options).compile(expr);
}

class Compiler {
  private readonly scope: Scope;
  private readonly options: CompileOptions;

  constructor(scope: Scope, options: CompileOptions) {
    this.scope = scope;
    this.options = options;
  }

  compile(expr: Expr): CompiledExpr {
    const text = formatExpression(expr);
    const computed = this.scope.computedIndex(text);
    if (computed !== undefined) return this.inputColumn(computed, text);
    switch (expr.kind) {
      case 'IntegerLiteral':
        return this.integerLiteral(expr.text, text);
      case 'FloatLiteral':
        return constant(T.float64, Number(expr.text), text);
      case 'StringLiteral':
        return constant(T.string, expr.value, text);
      case 'BooleanLiteral':
        return constant(T.bool, expr.value, text);
      case 'NullLiteral':
        return constant(NULL_TYPE, null, text);
      case 'DurationLiteral':
      case 'Interval':
        throw new DbError('INVALID_ARGUMENT', `interval ${text} can only be added to or subtracted from a time, or given to a window`);
      case 'Parameter':
        return this.parameter(expr.name, expr.type, text);
      case 'ColumnRef': {
        const column = this.scope.resolve(expr.parts);
        return this.inputColumn(column.index, text);
      }
      case 'Star':
        throw new DbError('INVALID_ARGUMENT', `${text} is only allowed in the SELECT list or count(*)`);
      case 'Unary':
        if (expr.op === '+') return this.compile(expr.operand);
        // `-<digits>` is one literal, so -9223372036854775808 (int64's minimum) is representable.
        if (expr.op === '-' && expr.operand.kind === 'IntegerLiteral') return this.integerLiteral(`-${expr.operand.text}`, text);
        return this.call(expr.op === '-' ? 'negate' : 'not', [expr.operand], text);
      case 'Binary': {
        if ((expr.op === '+' || expr.op === '-') && isIntervalNode(expr.right)) return this.timePlusInterval(expr.left, expr.right, expr.op, text);
        if (expr.op === '+' && isIntervalNode(expr.left)) return this.timePlusInterval(expr.right, expr.left, '+', text);
        return this.call(OPERATOR_FUNCTIONS[expr.op], [expr.left, expr.right], text);
      }
      case 'In':
        return this.inList(expr.operand, expr.list, expr.negated, text);
      case 'Between': {
        const operand = evaluatedOncePerBatch(this.compile(expr.operand));
        const inner = this.callCompiled('and', [
          this.callCompiled('greater_or_equals', [operand, this.compile(expr.low)], text),
          this.callCompiled('less_or_equals', [operand, this.compile(expr.high)], text),
        ], text);
        return expr.negated ? this.callCompiled('not', [inner], text) : inner;
      }
      case 'Like': {
        const like = this.call(expr.caseInsensitive ? 'ilike' : 'like', [expr.operand, expr.pattern], text);
        return expr.negated ? this.callCompiled('not', [like], text) : like;
      }
      case 'IsNull':
        return this.call(expr.negated ? 'is_not_null' : 'is_null', [expr.operand], text);
      case 'Case': {
        const args: CompiledExpr[] = [];
        const operand = expr.operand === null ? null : evaluatedOncePerBatch(this.compile(expr.operand));
        for (const when of expr.whens) {
          const condition = operand === null ? this.compile(when.when) : this.callCompiled('equals', [operand, this.compile(when.when)], text);
          args.push(condition, this.compile(when.then));
        }
        args.push(expr.else === null ? constant(NULL_TYPE, null, 'NULL') : this.compile(expr.else));
        return this.callCompiled('multi_if', args, text);
      }
      case 'Cast':
        return this.cast(this.compile(expr.operand), dataTypeFromSpec(expr.type), text);
      case 'FunctionCall':
        return this.functionCall(expr, text);
      case 'Subscript':
        return this.subscript(this.compile(expr.operand), this.compile(expr.index), text);
      case 'Array':
        return this.arrayLiteral(expr.items.map((item) => this.compile(item)), text);
      case 'Tuple':
        throw new DbError('INVALID_ARGUMENT', `tuple ${text} is only allowed on the right of IN`);
      case 'Subquery':
        throw new DbError('INVALID_ARGUMENT', `scalar subqueries are not supported yet: ${text}`);
    }
  }

  private inputColumn(index: number, text: string): CompiledExpr {
    const type = this.scope.columns[index]?.type;
    if (type === undefined) throw new DbError('INTERNAL', `column index ${index} outside the scope`);
    return { type, text, constant: null, evaluate: (batch) => batch.cols[index] };
  }

  private integerLiteral(digits: string, text: string): CompiledExpr {
    const big = BigInt(digits);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    if (big <= safe && big >= -safe) return constant(T.int64, Number(big), text);
    if (big >= -(2n ** 63n) && big < 2n ** 63n) return constant(T.int64, big, text);
    if (big >= 0n && big < 2n ** 64n) return constant(T.uint64, big, text);
    throw new DbError('INVALID_VALUE', `integer ${digits} does not fit in int64 or uint64`);
  }

  private parameter(name: string, typeRef: Parameters<typeof dataTypeFromSpec>[0], text: string): CompiledExpr {
    const params = this.options.params;
    if (params === undefined || !params.has(name)) throw new DbError('INVALID_ARGUMENT', `query parameter '${name}' is not set (pass param_${name})`);
    const type = dataTypeFromSpec(typeRef);
    const raw = params.get(name)!;
    const source = constantCol(typeof raw === 'string' ? T.string : typeof raw === 'boolean' ? T.bool : T.float64, raw, 1);
    const value = colValueAt(castCol(source, type, 1), 0);
    return constant(type, value, text);
  }

  private functionCall(call: FunctionCall, text: string): CompiledExpr {
    if (lookupAggregateFunction(call.name) !== undefined) {
      throw new DbError('INVALID_ARGUMENT', `aggregate function ${call.name} is not allowed here: ${text}`);
    }
    if (call.params !== null || call.distinct) throw new DbError('INVALID_ARGUMENT', `${call.name} is not a parametric aggregate: ${text}`);
    if (call.name.toLowerCase() === 'cast' && call.args.length === 2 && call.args[1].kind === 'StringLiteral') {
      return this.cast(this.compile(call.args[0]), parseDataType(call.args[1].value), text);
    }
    if (call.name.toLowerCase() === 'array') return this.arrayLiteral(call.args.map((a) => this.compile(a)), text);
    return this.call(call.name, call.args, text);
  }

  private call(name: string, args: readonly Expr[], text: string): CompiledExpr {
    return this.callCompiled(name, args.map((a) => this.compile(a)), text);
  }

  callCompiled(name: string, given: readonly CompiledExpr[], text: string): CompiledExpr {
    let args = given;
    const def = lookupScalarFunction(name);
    if (def === undefined) throw new DbError('INVALID_ARGUMENT', `unknown function '${name}' in ${text}`);
    // A NULL literal takes the type of its siblings, so `coalesce(NULL, 'a')` and `x = NULL` type-check;
    // in if/multi_if the siblings are the value branches, not the conditions.
    const siblings = valueArguments(name, args);
    const sibling = siblings.find((a) => a.type !== NULL_TYPE)?.type;
    // Fix (SQL corpus): only NULLs among the value arguments take the sibling type; a NULL condition
    // of if/multi_if stays a NULL (it was typed nullable(string) in `if(NULL, 'a', 'b')` and rejected).
    const argTypes = args.map((a) => (a.type === NULL_TYPE && sibling !== undefined && siblings.includes(a) ? nullableOf(baseType(sibling)) : a.type));
    // Fix (SQL corpus): a retyped NULL literal must also evaluate to a column of its new type; it
    // evaluated as numbers, so `concat('a', NULL)` or `NULL LIKE 'a%'` failed with "expected a string".
    args = args.map((a, i) => (argTypes[i] !== a.type ? constant(argTypes[i], null, a.text) : a));
    const impl: ScalarImpl = def.resolve(argTypes, args.map((a) => (a.constant === null ? undefined : a.constant.value)));
    const propagate = impl.nulls !== 'custom';
    const anyNullable = argTypes.some((t) => t.kind === 'nullable');
    const type = propagate && anyNullable ? nullableOf(impl.returnType) : impl.returnType;
    const evaluate = (batch: ExecBatch, context: EvalContext): Col => {
      const cols = args.map((a) => a.evaluate(batch, context));
      const result = impl.evaluate(cols, batch.rowCount, context);
      if (!propagate) return result;
      let nulls: Uint8Array | null = result.nulls;
      for (const col of cols) {
        if (col.nulls === null) continue;
        if (nulls === null) nulls = new Uint8Array(col.nulls);
        else for (let i = 0; i < batch.rowCount; i++) nulls[i] |= col.nulls[i];
      }
      return { type: nulls === null ? result.type : nullableOf(result.type), values: result.values, nulls };
    };
    return this.foldIfConstant({ type, text, constant: null, evaluate }, args);
  }

  /** Evaluates once when every argument is constant (functions without arguments, like now(), too). */
  private foldIfConstant(compiled: CompiledExpr, args: readonly CompiledExpr[]): CompiledExpr {
    if (!args.every((a) => a.constant !== null)) return compiled;
    const one: ExecBatch = { schema: [], cols: [], rowCount: 1 };
    const col = compiled.evaluate(one, this.options.context);
    return constant(compiled.type, colValueAt(col, 0), compiled.text);
  }

  private cast(operand: CompiledExpr, type: DataType, text: string): CompiledExpr {
    const target = operand.type.kind === 'nullable' && type.kind !== 'nullable' && type.kind !== 'array' ? T.nullable(type) : type;
    const compiled: CompiledExpr = {
      type: target,
      text,
      constant: null,
      evaluate: (batch, context) => castCol(operand.evaluate(batch, context), target, batch.rowCount),
    };
    return this.foldIfConstant(compiled, [operand]);
  }

  private timePlusInterval(timeExpr: Expr, intervalExpr: Expr, op: '+' | '-', text: string): CompiledExpr {
    const time = this.compile(timeExpr);
    if (!isTimeType(time.type)) throw new DbError('INVALID_ARGUMENT', `${text}: an interval can only be added to a time, not ${formatDataType(time.type)}`);
    const interval: Interval = intervalOf(intervalExpr, (e) => this.compile(e).constant?.value);
    const sign = op === '-' ? -1 : 1;
    const compiled: CompiledExpr = {
      type: time.type,
      text,
      constant: null,
      evaluate: (batch, context) => {
        const col = time.evaluate(batch, context);
        return interval.months !== 0 ? addIntervalMonths(col, sign * interval.months) : addIntervalMs(col, sign * interval.ms);
      },
    };
    return this.foldIfConstant(compiled, [time]);
  }

  private inList(operandExpr: Expr, list: readonly Expr[], negated: boolean, text: string): CompiledExpr {
    const operand = evaluatedOncePerBatch(this.compile(operandExpr));
    const items = list.length === 1 && list[0].kind === 'Tuple' ? list[0].items : list;
    if (items.some((i) => i.kind === 'Subquery')) throw new DbError('INVALID_ARGUMENT', `IN (subquery) is not supported yet: ${text}`);
    const compiledItems = items.map((item) => this.compile(item));
    if (!compiledItems.every((c) => c.constant !== null)) {
      // Not constant: x = a OR x = b …
      const equalities = compiledItems.map((item) => this.callCompiled('equals', [operand, item], text));
      const any = equalities.length === 1 ? equalities[0] : this.callCompiled('or', equalities, text);
      return negated ? this.callCompiled('not', [any], text) : any;
    }
    const isString = valueClassOf(operand.type) === 'string';
    if (!isString && !isNumericType(operand.type)) throw new DbError('INVALID_ARGUMENT', `IN is not supported for ${formatDataType(operand.type)}: ${text}`);
    const set = new Set<string | number>();
    let listHasNull = false;
    for (const item of compiledItems) {
      const value = item.constant!.value;
      if (value === null) {
        listHasNull = true;
        continue;
      }
      const converted = colValueAt(castCol(constantCol(item.type, value, 1), baseType(operand.type), 1), 0);
      set.add(typeof converted === 'boolean' ? (converted ? 1 : 0) : (converted as string | number));
    }
    const type = operand.type.kind === 'nullable' || listHasNull ? T.nullable(T.bool) : T.bool;
    return {
      type,
      text,
      constant: null,
      evaluate: (batch, context) => {
        const col = operand.evaluate(batch, context);
        const values = col.values as ArrayLike<string | number>;
        const out = new Float64Array(batch.rowCount);
        let nulls: Uint8Array | null = col.nulls === null ? null : new Uint8Array(col.nulls);
        for (let i = 0; i < batch.rowCount; i++) {
          const found = set.has(values[i]);
          out[i] = found !== negated ? 1 : 0;
          if (!found && listHasNull) (nulls ??= new Uint8Array(batch.rowCount))[i] = 1;
        }
        return { type, values: out, nulls };
      },
    };
  }

  private subscript(operand: CompiledExpr, index: CompiledExpr, text: string): CompiledExpr {
    const base = baseType(operand.type);
    if (base.kind !== 'array') throw new DbError('INVALID_ARGUMENT', `${text}: subscript needs an array, got ${formatDataType(operand.type)}`);
    const elementType = nullableOf(base.element);
    return {
      type: elementType,
      text,
      constant: null,
      evaluate: (batch, context) => {
        const arrays = operand.evaluate(batch, context).values as Value[][];
        const indexes = index.evaluate(batch, context).values as Float64Array;
        const values: Value[] = new Array(batch.rowCount);
        for (let i = 0; i < batch.rowCount; i++) {
          const at = indexes[i] > 0 ? indexes[i] - 1 : arrays[i].length + indexes[i];
          values[i] = at >= 0 && at < arrays[i].length ? arrays[i][at] : null;
        }
        return colFromValues(elementType, values);
      },
    };
  }

  private arrayLiteral(items: readonly CompiledExpr[], text: string): CompiledExpr {
    const elementType = items.find((i) => i.type !== NULL_TYPE)?.type ?? T.string;
    // Fix (SQL corpus): an element that may be NULL makes the element type nullable; `[1.5, NULL]`
    // was typed array(float64) and its NULL was rejected when the result was materialized.
    const anyNullable = items.some((i) => i.type.kind === 'nullable');
    const type = T.array(anyNullable ? nullableOf(baseType(elementType)) : elementType);
    const compiled: CompiledExpr = {
      type,
      text,
      constant: null,
      evaluate: (batch, context) => {
        const cols = items.map((item) => item.evaluate(batch, context));
        const values: Value[][] = new Array(batch.rowCount);
        for (let i = 0; i < batch.rowCount; i++) values[i] = cols.map((c) => colValueAt(c, i));
        return { type, values, nulls: null };
      },
    };
    return this.foldIfConstant(compiled, items);
  }
}

/**
 * An expression used in several places of one compiled tree (BETWEEN's operand, CASE x WHEN …, a
 * non-constant IN list) is evaluated once per batch, not once per use.
 */
function evaluatedOncePerBatch(expr: CompiledExpr): CompiledExpr {
  if (expr.constant !== null) return expr;
  let lastBatch: ExecBatch | null = null;
  let lastCol: Col | null = null;
  return {
    ...expr,
    evaluate: (batch, context) => {
      if (batch !== lastBatch || lastCol === null) {
        lastCol = expr.evaluate(batch, context);
        lastBatch = batch;
      }
      return lastCol;
    },
  };
}

/** The arguments whose types a NULL literal among them should take. */
function valueArguments(name: string, args: readonly CompiledExpr[]): readonly CompiledExpr[] {
  const lower = name.toLowerCase();
  if (lower === 'if') return args.slice(1);
  if (lower === 'multi_if' || lower === 'multiif') return args.filter((_, i) => i % 2 === 1 || i === args.length - 1);
  return args;
}

function isIntervalNode(expr: Expr): boolean {
  return expr.kind === 'DurationLiteral' || expr.kind === 'Interval';
}

/** A constant expression: evaluates to `rowCount` copies of its value. */
export function constant(type: DataType, value: Value, text: string): CompiledExpr {
  const colType = value === null ? nullableOf(type) : type;
  return {
    type: colType,
    text,
    constant: { value },
    evaluate: (batch) =>
      typeof value === 'bigint'
        ? {
            type: colType,
            // uint64 literals above int64's range need the unsigned array (a signed one would wrap).
            values: baseType(type).kind === 'uint64' ? new BigUint64Array(batch.rowCount).fill(value) : new BigInt64Array(batch.rowCount).fill(value),
            nulls: null,
          }
        : constantCol(type, value, batch.rowCount),
  };
}

// Conforming a query's output to a target's columns (materialized views, INSERT … SELECT into an
// external stream): columns match by name, each is cast to the target's type, and target columns
// the output lacks get their DEFAULT (else NULL for nullable columns, else zero / ''). An output
// column the target does not have is an error, found when the view is created (checkConformable),
// never by dropping data.
import { DbError } from '../../core/errors.ts';
import { parseExpression } from '../../sql/index.ts';
import type { ColumnDef } from '../../storage/catalog/catalog-types.ts';
import type { Column } from '../../types/batch.ts';
import { formatDataType } from '../../types/data-type.ts';
import { type Col, baseType, constantCol, valueClassOf } from '../column.ts';
import type { ExecBatch } from '../exec-batch.ts';
import { compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import type { EvalContext } from '../functions/function.ts';
import { castCol } from '../functions/index.ts';

/** Throws SCHEMA_MISMATCH when `output` has a column `target` does not (or a type that cannot cast). */
export function checkConformable(output: readonly Column[], target: readonly ColumnDef[], targetName: string): void {
  for (const column of output) {
    if (!target.some((t) => t.name === column.name)) {
      throw new DbError(
        'SCHEMA_MISMATCH',
        `the query returns column '${column.name}', which ${targetName} does not have (its columns: ${target.map((t) => t.name).join(', ')}); alias it (AS name) or drop it from the SELECT`,
      );
    }
  }
}

/** The output batch with the target's columns, in the target's order. */
export function conformBatch(batch: ExecBatch, target: readonly ColumnDef[], context: EvalContext, targetName: string): ExecBatch {
  const rowCount = batch.rowCount;
  const cols: Col[] = target.map((column) => {
    const index = batch.schema.findIndex((c) => c.name === column.name);
    if (index < 0) return defaultCol(column, rowCount, context);
    const col = batch.cols[index];
    let cast: Col;
    try {
      cast = castCol(col, column.type, rowCount);
    } catch (error) {
      throw new DbError('INVALID_VALUE', `${targetName} column '${column.name}': ${(error as Error).message}`, {}, { cause: error });
    }
    if (cast.nulls !== null && column.type.kind !== 'nullable' && cast.nulls.includes(1)) {
      throw new DbError('INVALID_VALUE', `${targetName} column '${column.name}' (${formatDataType(column.type)}) is not nullable: the query returned NULL`);
    }
    return cast;
  });
  return { schema: target.map((c) => ({ name: c.name, type: c.type })), cols, rowCount };
}

export function defaultCol(column: ColumnDef, rowCount: number, context: EvalContext): Col {
  if (column.default !== undefined) {
    const compiled = compileExpr(parseExpression(column.default), new Scope([]), { context });
    return castCol(constantCol(compiled.type, compiled.constant?.value ?? null, rowCount), column.type, rowCount);
  }
  if (column.type.kind === 'nullable') return constantCol(column.type, null, rowCount);
  const cls = valueClassOf(column.type);
  return constantCol(column.type, cls === 'string' ? (baseType(column.type).kind === 'uuid' ? '00000000-0000-0000-0000-000000000000' : '') : cls === 'array' ? [] : 0, rowCount);
}

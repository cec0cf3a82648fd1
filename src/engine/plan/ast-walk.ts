// Small read-only walks over expression trees used by the planner: which columns a query names,
// which aggregate calls it makes. Subqueries are not entered (they have their own scope).
import type { Expr, FunctionCall } from '../../sql/index.ts';

/** Calls `visit` on every node of `expr` (pre-order), not entering subqueries. */
export function walkExpr(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  for (const child of childrenOf(expr)) walkExpr(child, visit);
}

/** The direct sub-expressions of `expr` (subqueries excluded). */
export function childrenOf(expr: Expr): Expr[] {
  const children: Expr[] = [];
  switch (expr.kind) {
    case 'Unary':
      children.push(expr.operand);
      break;
    case 'Binary':
      children.push(expr.left, expr.right);
      break;
    case 'In':
      children.push(expr.operand, ...expr.list);
      break;
    case 'Between':
      children.push(expr.operand, expr.low, expr.high);
      break;
    case 'Like':
      children.push(expr.operand, expr.pattern);
      break;
    case 'IsNull':
      children.push(expr.operand);
      break;
    case 'Case':
      if (expr.operand !== null) children.push(expr.operand);
      for (const when of expr.whens) children.push(when.when, when.then);
      if (expr.else !== null) children.push(expr.else);
      break;
    case 'Cast':
      children.push(expr.operand);
      break;
    case 'FunctionCall':
      children.push(...(expr.params ?? []), ...expr.args);
      break;
    case 'Subscript':
      children.push(expr.operand, expr.index);
      break;
    case 'Array':
    case 'Tuple':
      children.push(...expr.items);
      break;
    case 'Interval':
      children.push(expr.value);
      break;
    default:
      break;
  }
  return children;
}

/** Aggregate calls in `expr`, outermost first (an aggregate's arguments are not searched). */
export function findAggregates(expr: Expr, isAggregate: (name: string) => boolean, out: FunctionCall[] = []): FunctionCall[] {
  if (expr.kind === 'FunctionCall' && isAggregate(expr.name)) {
    out.push(expr);
    return out;
  }
  for (const child of childrenOf(expr)) findAggregates(child, isAggregate, out);
  return out;
}

/** Top-level AND conjuncts of a predicate. */
export function conjuncts(expr: Expr): Expr[] {
  if (expr.kind === 'Binary' && expr.op === 'AND') return [...conjuncts(expr.left), ...conjuncts(expr.right)];
  return [expr];
}

/**
 * Fix (SQL corpus): `expr` with every bare name that is a SELECT alias (and not a column of the
 * input, `isColumn`) replaced by the aliased expression, as ClickHouse resolves aliases in WHERE
 * and HAVING (`SELECT sum(x) AS s … HAVING s > 1`). Subqueries are not entered; a node kind this
 * does not rebuild is returned unchanged.
 */
export function substituteAliases(expr: Expr, aliases: ReadonlyMap<string, Expr>, isColumn: (name: string) => boolean): Expr {
  if (aliases.size === 0) return expr;
  return rewriteColumnRefs(expr, (ref) => {
    const name = ref.parts.length === 1 ? ref.parts[0] : undefined;
    const target = name === undefined || isColumn(name) ? undefined : aliases.get(name);
    return target ?? ref;
  });
}

/**
 * `expr` with every column reference replaced by `replace(ref)`. Subqueries are not entered; a node
 * kind this does not rebuild is returned unchanged.
 */
export function rewriteColumnRefs(expr: Expr, replace: (ref: Extract<Expr, { kind: 'ColumnRef' }>) => Expr): Expr {
  const sub = (e: Expr): Expr => rewriteColumnRefs(e, replace);
  switch (expr.kind) {
    case 'ColumnRef':
      return replace(expr);
    case 'Unary':
      return { ...expr, operand: sub(expr.operand) };
    case 'Binary':
      return { ...expr, left: sub(expr.left), right: sub(expr.right) };
    case 'In':
      return { ...expr, operand: sub(expr.operand), list: expr.list.map(sub) };
    case 'Between':
      return { ...expr, operand: sub(expr.operand), low: sub(expr.low), high: sub(expr.high) };
    case 'Like':
      return { ...expr, operand: sub(expr.operand), pattern: sub(expr.pattern) };
    case 'IsNull':
    case 'Cast':
      return { ...expr, operand: sub(expr.operand) };
    case 'Case':
      return {
        ...expr,
        operand: expr.operand === null ? null : sub(expr.operand),
        whens: expr.whens.map((w) => ({ ...w, when: sub(w.when), then: sub(w.then) })),
        else: expr.else === null ? null : sub(expr.else),
      };
    case 'FunctionCall':
      return { ...expr, args: expr.args.map(sub) };
    case 'Subscript':
      return { ...expr, operand: sub(expr.operand), index: sub(expr.index) };
    case 'Array':
    case 'Tuple':
      return { ...expr, items: expr.items.map(sub) };
    default:
      return expr;
  }
}

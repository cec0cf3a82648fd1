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

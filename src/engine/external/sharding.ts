// Which shard of an external stream a write goes to. With `sharding_expr`, each row goes to
// hash(value of the expression) mod shards (a batch is split). Without it: plain INSERTs take the
// shards in turn, one batch each (round-robin); sync tasks pick the shard by a hash of the batch's
// origin, which spreads the same way and sends a replayed batch to the shard that already has it.
import { parseExpression } from '../../sql/index.ts';
import type { ColumnDef } from '../../storage/catalog/catalog-types.ts';
import { colValueAt } from '../column.ts';
import { type ExecBatch, takeRows } from '../exec-batch.ts';
import { type CompiledExpr, compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import type { ExternalStreamConfig } from './external-stream-config.ts';

/** The compiled sharding expression over the target's columns, or null (one shard, or none given). */
export function compileSharding(config: ExternalStreamConfig, columns: readonly ColumnDef[]): CompiledExpr | null {
  if (config.shardingExpr === null || config.hosts.length === 1) return null;
  const scope = new Scope(columns.map((c, index) => ({ name: c.name, qualifier: null, type: c.type, index, hidden: false })));
  return compileExpr(parseExpression(config.shardingExpr), scope, { context: { nowMs: Date.now() } });
}

/** Rows of `batch` per shard by hash of the sharding expression's value (null where a shard gets none). */
export function splitByShard(batch: ExecBatch, sharding: CompiledExpr, shards: number): (ExecBatch | null)[] {
  const values = sharding.evaluate(batch, { nowMs: Date.now() });
  const rows: number[][] = Array.from({ length: shards }, () => []);
  for (let r = 0; r < batch.rowCount; r++) rows[hashValue(colValueAt(values, r)) % shards].push(r);
  return rows.map((list) => (list.length === 0 ? null : takeRows(batch, Uint32Array.from(list))));
}

/** A 32-bit mix of two integers (non-negative result). */
export function mix(a: number, b: number): number {
  let h = Math.imul((a >>> 0) ^ Math.floor(a / 4294967296), 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h >>> 0;
}

export function hashValue(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return mix(value, 0);
  const text = typeof value === 'bigint' ? value.toString() : String(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

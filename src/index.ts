// The package's public entry point (what `import … from 'tributary'` gives). Grows as the node
// gains its engine, server and client.
export { DbError, ERRORS, isDbError, type ErrorCode } from './core/errors.ts';
export * as limits from './core/limits.ts';
export { T, parseDataType, formatDataType, type DataType } from './types/data-type.ts';
export { type Batch, type Column, type Origin, batchFromRows, makeBatch, rowsOf } from './types/batch.ts';
export { type Vector, type Value, vectorFromValues, valueAt } from './types/vector.ts';
export { encodeBatch, decodeBatch, type BatchHeader } from './types/batch-codec.ts';
export { StreamLog, type ReadOptions, type LogRecord, type AppendResult } from './storage/log/stream-log.ts';
export { Storage } from './storage/storage.ts';
export { Catalog } from './storage/catalog/catalog.ts';
export { TributaryNode, Session, type ExecuteResult, type ExecuteOptions } from './engine/node.ts';
export { openNode } from './tributary-node.ts';
export { parseStatement, parseStatements, formatStatement } from './sql/index.ts';
export { connect, startNativeServer } from './net/index.ts';

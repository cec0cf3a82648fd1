// What the engine needs from a remote Tributary/Timeplus node to serve an external stream. The
// engine defines this seam; the connector (src/connectors/tributary) implements it over the native
// protocol, so the engine never imports the network layer.
//
// Invariants the implementation keeps: a query's batches arrive in the remote's order; an insert
// resolves only once the remote made the batch durable (or recognised its origin as a replay);
// every error names the shard (`host:port`) it came from.
import type { Batch, Column, Origin } from '../../types/batch.ts';
import type { ExternalStreamConfig } from './external-stream-config.ts';

export interface RemoteQuery extends AsyncIterable<Batch> {
  /** The result's columns, once the remote has sent them. */
  readonly schema: Promise<readonly Column[]>;
  cancel(): void;
}

export interface RemoteInsertResult {
  readonly rows: number;
  /** The remote already held this origin: acknowledged, nothing written. */
  readonly duplicate: boolean;
}

export interface RemoteStreams {
  /** The remote stream's columns (without virtual columns), from shard 0. */
  describe(config: ExternalStreamConfig, signal?: AbortSignal): Promise<readonly Column[]>;
  /** Runs `sql` on one shard; bounded or streaming as the SQL says. */
  query(config: ExternalStreamConfig, shard: number, sql: string, signal: AbortSignal): RemoteQuery;
  /**
   * Appends one batch to the remote stream on one shard; resolves when durable there. `channel`
   * picks a separate connection (0, the default, is shared): a catch-up lane's big batches must not
   * queue in front of a live lane's small ones.
   */
  insert(config: ExternalStreamConfig, shard: number, batch: Batch, origin: Origin | null, channel?: number): Promise<RemoteInsertResult>;
  /** Closes every connection. */
  close(): Promise<void>;
}

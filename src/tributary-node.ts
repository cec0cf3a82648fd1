// The composed node: the engine (SQL, storage) with the sync layer (materialized views, pipes) and the
// Tributary connector (external streams over the native protocol). This is `openNode` for
// embedders, the server and the demo; the engine's own openNode is the bare engine without them.
import { mkdir } from 'node:fs/promises';
import { TributaryRemotes } from './connectors/tributary/remote-streams.ts';
import { type NodeExtension, type NodeOptions, TributaryNode } from './engine/node.ts';
import { loadNodeId } from './engine/node-identity.ts';
import { Extensions } from './sync/extensions.ts';
import type { PipeSettings } from './sync/pipes/pipe-settings.ts';
import { Pipes } from './sync/pipes/pipes.ts';
import { type TaskLog, Views } from './sync/views.ts';

export interface TributaryNodeOptions extends Omit<NodeOptions, 'extension'> {
  /** Where sync tasks log (retries, stops); default: nowhere. */
  readonly taskLog?: TaskLog;
  /** Receives warnings about remote connections (e.g. TLS verification turned off). */
  readonly onRemoteWarning?: (message: string) => void;
  /** Remote requests' timeout and the idle time before a live remote query's link is pinged. */
  readonly remoteTimeoutMs?: number;
  readonly remoteIdlePingMs?: number;
  /** IoTDB pipe parameters (server config `pipe_*`); default PIPE_SETTINGS_DEFAULT. */
  readonly pipes?: Partial<PipeSettings>;
}

export async function openNode(options: TributaryNodeOptions): Promise<TributaryNode> {
  await mkdir(options.dataDir, { recursive: true });
  const nodeId = options.nodeId ?? (await loadNodeId(options.dataDir));
  const remotes = options.remotes ?? new TributaryRemotes({ nodeId, onWarning: options.onRemoteWarning, requestTimeoutMs: options.remoteTimeoutMs, idlePingMs: options.remoteIdlePingMs });
  return TributaryNode.open({
    ...options,
    nodeId,
    remotes,
    extension: (node) => new Extensions([new Views(node, { log: options.taskLog }), new Pipes(node, { log: options.taskLog, settings: options.pipes })]),
  });
}

function part<T>(node: TributaryNode, kind: abstract new (...args: never[]) => T): T | undefined {
  const extension = node.extension;
  if (extension instanceof kind) return extension;
  if (extension instanceof Extensions) return extension.parts.find((p): p is NodeExtension & T => p instanceof kind);
  return undefined;
}

/** The materialized views of a node opened by openNode (for status and metrics). */
export function viewsOf(node: TributaryNode): Views | undefined {
  return part(node, Views);
}

/** The pipes of a node opened by openNode (for status and metrics). */
export function pipesOf(node: TributaryNode): Pipes | undefined {
  return part(node, Pipes);
}

// The network layer's public API: the native protocol server and client, and the frame codec for
// tools that speak the protocol themselves. (The HTTP API lives in net/http/.)
export { connect, Client, QueryStream } from './client.ts';
export type { ConnectOptions, QueryOptions, QueryResult, InsertOptions, InsertResult, InsertData, ServerInfo, PipeInsertOptions, PipeInsertResult } from './client.ts';
export { startNativeServer, NATIVE_SERVER_LIMITS_DEFAULT, SERVER_VERSION } from './native-server.ts';
export type { NativeServer, NativeServerOptions, NativeServerLimits, NativeServerStats } from './native-server.ts';
export type { Authenticate } from './server-connection.ts';
export { FrameDecoder } from './protocol/codec.ts';
export { FRAME_TYPES, PIPE_CLIENT_NAME, isPipeClientName, encodeFrame, decodePayload, type Message, type FrameTypeName } from './protocol/frame.ts';
export { availableCompressors, type Compressor } from './protocol/compression.ts';
export * as protocolLimits from './protocol/protocol-limits.ts';

import type { RecordBatch, Schema } from "apache-arrow";
import { batchToIPCStream } from "../../formats/ipc.js";
import { ChannelDecoder } from "./channel-decoder.js";

/**
 * One record batch as a frame of its own: a complete Arrow IPC stream (schema, dictionaries,
 * batch), what the first frame of a channel is (ChannelEncoder). Channels send later frames
 * without the schema and without the dictionaries sent before.
 */
export function encodeBatch(batch: RecordBatch): Uint8Array {
  return batchToIPCStream(batch);
}

/**
 * A self-contained frame's batch (decoded as the first frame of a channel), or RejectedFrameError:
 * bytes that are no Arrow IPC stream, not exactly one batch, another schema than the edge's,
 * another row count than the frame declares (`rows`, when given), or buffers that do not hold
 * what the batch says (validate-data.ts).
 */
export function decodeBatch(bytes: Uint8Array, schema: Schema, rows?: number): RecordBatch {
  return new ChannelDecoder(schema).decode(bytes, rows);
}

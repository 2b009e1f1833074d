import { AsyncByteQueue, type RecordBatch, RecordBatchStreamWriter } from "apache-arrow";

/**
 * Collects what the IPC writer writes, chunk by chunk, so one frame's bytes are copied exactly
 * once (into the frame) instead of being joined by arrow-js. Copying each chunk to its own place
 * also sidesteps arrow-js's join, which merges chunks that overlap in one ArrayBuffer (ipc.ts).
 */
class FrameSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  override write(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
  }

  /**
   * What was written since the last take, as the writer's chunks: fresh buffers and views of the
   * batch's own (immutable) buffers, so they stay valid after the next write.
   */
  takeChunks(): { chunks: Uint8Array[]; bytes: number } {
    const out = { chunks: this.chunks, bytes: this.bytes };
    this.chunks = [];
    this.bytes = 0;
    return out;
  }

  /** What was written since the last take, as one buffer. */
  take(): Uint8Array {
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    this.chunks = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * The sending end of one channel's Arrow IPC stream: the channel's frames, in order, form one IPC
 * stream. The first frame carries the schema; a dictionary crosses once, when a batch first uses
 * it (a delta when it grew by chunks, a replacement when the batch has another one); later frames
 * carry only their record batch. arrow-js's stream writer keeps exactly this state; each frame is
 * what it wrote for one batch. The receiver (ChannelDecoder) must see every frame, in order, on the
 * same connection: a new connection or attempt starts with a new encoder.
 */
export class ChannelEncoder {
  private readonly sink = new FrameSink();
  // autoDestroy off: a batch with another schema restarts the stream (schema again, dictionaries
  // again) instead of closing the writer.
  private readonly writer = new RecordBatchStreamWriter({ autoDestroy: false });

  constructor() {
    this.writer.reset(this.sink);
  }

  encode(batch: RecordBatch): Uint8Array {
    this.writer.write(batch);
    return this.sink.take();
  }

  /** As encode, without joining: the exchange's serializer writes the chunks straight into the frame. */
  encodeChunks(batch: RecordBatch): { chunks: Uint8Array[]; bytes: number } {
    this.writer.write(batch);
    return this.sink.takeChunks();
  }
}

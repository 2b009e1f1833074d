import { type RecordBatch, type Schema, tableFromIPC } from "apache-arrow";
import { batchToIPCStream } from "./ipc.js";
import { asBuffer, BadValue, type BadMessage, type DecodeResult, type Decoder, eachValue, type Encoder } from "./format.js";
import { conformBatch } from "./conform.js";

/**
 * `arrow`: one message per record batch, each a complete Arrow IPC stream (schema, dictionaries,
 * batch), so any message can be read alone, from any offset. The cheapest format by far for
 * Sabot-to-Sabot topics: no per-row work on either side.
 */
export class ArrowEncoder implements Encoder {
  readonly format = "arrow" as const;
  constructor(readonly schema: Schema) {}

  encode(batch: RecordBatch): Buffer[] {
    if (batch.numRows === 0) return [];
    const bytes = batchToIPCStream(batch);
    return [asBuffer(bytes)];
  }
}

export class ArrowDecoder implements Decoder {
  readonly format = "arrow" as const;
  constructor(readonly schema: Schema) {}

  decode(messages: ReadonlyArray<Uint8Array | null>): DecodeResult {
    const batches: RecordBatch[] = [];
    const bad: BadMessage[] = [];
    eachValue(messages, bad, (m, index) => {
      let got: RecordBatch[];
      try {
        const table = tableFromIPC(m);
        if (table.schema.fields.length === 0) throw new Error("no Arrow IPC stream found");
        got = table.batches;
      } catch (err) {
        bad.push({ index, reason: "malformed", detail: `not an Arrow IPC stream: ${(err as Error).message}` });
        return;
      }
      try {
        const fitted = got.filter((b) => b.numRows > 0).map((b) => conformBatch(b, this.schema));
        batches.push(...fitted);
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        bad.push({ index, reason: err.reason, detail: err.message });
      }
    });
    return { batches, bad };
  }
}

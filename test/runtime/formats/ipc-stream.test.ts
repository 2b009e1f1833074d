import { type RecordBatch, Schema, tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { batchToIPCStream } from "../../../runtime/formats/ipc.js";
import { ipcStreamOf, StreamScratch } from "../../../runtime/formats/ipc-stream.js";
import { columnsOf, makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../helpers/random.js";

const PLAIN = ALL_TYPES.filter((f) => !f.dictionary);

/** The fast stream is arrow-js's writer's, byte for byte, and reads back as the batch. */
function expectSameStream(batch: RecordBatch): void {
  const fast = ipcStreamOf(batch);
  expect(Buffer.from(fast).equals(Buffer.from(batchToIPCStream(batch)))).toBe(true);
  const back = tableFromIPC(fast);
  expect(back.batches.flatMap(batchRows)).toEqual(batchRows(batch));
}

describe("ipcStreamOf (one batch as an IPC stream without arrow-js's writer)", () => {
  it("writes arrow-js's bytes for random batches of every plain type, with and without nulls, whole and sliced", () => {
    const rng = seededRng(5);
    for (let i = 0; i < 30; i++) {
      const batch = randomBatch(rng, PLAIN, 1 + ((i * 37) % 300), { nullRate: i % 3 === 0 ? 0 : 0.25 });
      expectSameStream(batch);
      const from = i % batch.numRows;
      expectSameStream(batch.slice(from, from + Math.max(1, (batch.numRows - from) >> 1)));
    }
  });

  it("writes arrow-js's bytes when two columns are one Data (select a, a AS b) and for one row", () => {
    const fields = [
      { name: "a", type: "int64" as const },
      { name: "b", type: "int64" as const },
    ];
    const batch = randomBatch(seededRng(9), fields, 100, { nullRate: 0.1 });
    const [a] = columnsOf(batch);
    expectSameStream(makeBatch(batch.schema, [a, a], batch.numRows));
    expectSameStream(batch.slice(0, 1));
  });

  it("StreamScratch writes the same bytes into one reused buffer, a smaller batch after a larger one too", () => {
    const rng = seededRng(12);
    const scratch = new StreamScratch();
    for (const rows of [300, 20, 500, 1, 499]) {
      const batch = randomBatch(rng, PLAIN, rows, { nullRate: 0.3 });
      const bytes = scratch.write(batch);
      expect(bytes).not.toBeNull();
      expect(Buffer.from(bytes!).equals(Buffer.from(batchToIPCStream(batch)))).toBe(true);
    }
    expect(scratch.write(randomBatch(rng, ALL_TYPES, 10))).toBeNull();
  });

  it("a schema with the same fields but other schema or field metadata gets its own schema message", () => {
    const batch = randomBatch(seededRng(4), PLAIN, 50);
    const cols = columnsOf(batch);
    const fields = batch.schema.fields;
    for (const metadata of [new Map(), new Map([["origin", "a"]]), new Map([["origin", "b"]]), new Map()]) {
      expectSameStream(makeBatch(new Schema(fields, metadata), cols, batch.numRows));
      const tagged = fields.map((f) => f.clone({ metadata }));
      expectSameStream(makeBatch(new Schema(tagged), cols, batch.numRows));
    }
  });

  it("leaves batches with dictionary columns to arrow-js's writer (dictionary batches)", () => {
    const batch = randomBatch(seededRng(3), ALL_TYPES, 200, { nullRate: 0.2 });
    expectSameStream(batch);
  });
});

import { type RecordBatch, tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { batchesToIPC, batchToIPCStream } from "../../../runtime/formats/ipc.js";
import { readIpcStream } from "../../../runtime/formats/ipc-read.js";
import { columnsOf } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../helpers/random.js";
import { batchOver, chunks, keysOver, stream } from "./arrow-dictionaries.js";

/** readIpcStream reads what tableFromIPC reads: the same schema, rows and dictionary chunks. */
function expectAsArrowJs(bytes: Uint8Array): RecordBatch[] {
  const got = readIpcStream(bytes);
  expect(got).not.toBeNull();
  const want = tableFromIPC(bytes).batches;
  expect(got!.map(batchRows)).toEqual(want.map(batchRows));
  got!.forEach((b, i) => {
    expect(String(b.schema.fields)).toBe(String(want[i]!.schema.fields));
    expect(columnsOf(b).map((c) => c.dictionary?.data.length)).toEqual(
      columnsOf(want[i]!).map((c) => c.dictionary?.data.length),
    );
  });
  return got!;
}

describe("readIpcStream (a Kafka arrow message without tableFromIPC)", () => {
  it("reads random batches of every column type, with and without nulls, whole and sliced", () => {
    const rng = seededRng(11);
    for (let i = 0; i < 30; i++) {
      const batch = randomBatch(rng, ALL_TYPES, 1 + ((i * 41) % 300), { nullRate: i % 3 === 0 ? 0 : 0.25 });
      expectAsArrowJs(batchToIPCStream(batch));
      expectAsArrowJs(batchToIPCStream(batch.slice(i % batch.numRows)));
    }
  });

  it("reads several batches of one stream, and dictionaries grown by deltas from batch to batch", () => {
    const rng = seededRng(3);
    const whole = randomBatch(rng, ALL_TYPES, 211, { nullRate: 0.2 });
    const batches = [whole.slice(0, 10), whole.slice(10, 210), whole.slice(210)];
    expect(expectAsArrowJs(batchesToIPC(batches, "stream"))).toHaveLength(3);
    const c = chunks(3);
    const grown = [c[0], c[0].concat(c[1]), c[0].concat(c[1]).concat(c[2])];
    const read = expectAsArrowJs(stream(grown.map((d, i) => batchOver(d, i * 10, keysOver(d.length)))));
    expect(read.map((b) => columnsOf(b)[1]!.dictionary!.data.length)).toEqual([1, 2, 3]);
  });

  it("reads a stream that starts at an odd byte offset (a message inside a larger buffer)", () => {
    const bytes = batchToIPCStream(randomBatch(seededRng(4), ALL_TYPES, 50, { nullRate: 0.2 }));
    const inside = new Uint8Array(bytes.byteLength + 3);
    inside.set(bytes, 3);
    expect(readIpcStream(inside.subarray(3))!.map(batchRows)).toEqual(tableFromIPC(bytes).batches.map(batchRows));
  });

  it("leaves to arrow-js what it does not read itself: bytes after the end, a second stream, no batch", () => {
    const batch = randomBatch(seededRng(5), ALL_TYPES, 5);
    const one = batchToIPCStream(batch);
    expect(readIpcStream(Buffer.concat([one, Buffer.from([1, 2, 3])]))).toBeNull();
    expect(readIpcStream(Buffer.concat([one, one]))).toBeNull();
    expect(readIpcStream(batchesToIPC([], "stream"))).toBeNull();
  });
});

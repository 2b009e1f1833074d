import {
  Dictionary,
  Field,
  Int32,
  Int64,
  makeData,
  type RecordBatch,
  Schema,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { compactDictionaries } from "../../../runtime/formats/compact-dictionaries.js";
import { createDecoder, createEncoder } from "../../../runtime/formats/index.js";
import { columnsOf, makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";

const schema = new Schema([
  new Field("id", new Int64(), false),
  new Field("url", new Dictionary(new Utf8(), new Int32(), 0), true),
]);
const URLS = Array.from(
  { length: 10_000 },
  (_, i) => `https://www.nexmark.com/item.htm?query=${i}&channel_id=${i * 7}`,
);

/** `n` rows whose keys walk the 10,000-entry dictionary with a stride, every fifth row null. */
function batchOf(n: number, stride: number): RecordBatch {
  const ids = vectorFromArray(
    Array.from({ length: n }, (_, i) => BigInt(i)),
    new Int64(),
  );
  const keys = Int32Array.from({ length: n }, (_, i) => (i * stride) % URLS.length);
  const valid = Array.from({ length: n }, (_, i) => i % 5 !== 4);
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  valid.forEach((v, i) => {
    if (v) bitmap[i >> 3] |= 1 << (i & 7);
  });
  const dictionary = vectorFromArray(URLS, new Utf8());
  const url = makeData({
    type: schema.fields[1].type,
    length: n,
    data: keys,
    dictionary,
    nullBitmap: bitmap,
    nullCount: valid.filter((v) => !v).length,
  });
  return makeBatch(schema, [ids.data[0], url], n);
}

describe("arrow format: dictionaries cut to the entries a message uses", () => {
  const encoder = createEncoder("arrow", schema);
  const decoder = createDecoder("arrow", schema);

  it("a slice of a batch over a 10,000-entry dictionary reads back the same rows, nulls included, from a small message", () => {
    const whole = batchOf(4_096, 37);
    const slice = whole.slice(1_000, 1_064);
    const [message] = encoder.encode(slice);
    const { batches, bad } = decoder.decode([message]);
    expect(bad).toEqual([]);
    expect(batches.flatMap(batchRows)).toEqual(batchRows(slice));
    // 64 rows, at most 64 distinct urls: a few KB, where the whole dictionary was about 0.6 MB.
    expect(message.length).toBeLessThan(16_384);
    expect(columnsOf(batches[0])[1].dictionary!.length).toBeLessThanOrEqual(64);
  });

  it("renumbers keys in first-use order and keeps each row's value", () => {
    const b = batchOf(50, 999);
    const compacted = compactDictionaries(b);
    const col = columnsOf(compacted)[1];
    expect(col.dictionary!.length).toBeLessThan(50);
    expect(batchRows(compacted)).toEqual(batchRows(b));
  });

  it("passes a batch whose rows use every dictionary entry through untouched", () => {
    const small = new Schema([new Field("c", new Dictionary(new Utf8(), new Int32(), 1), false)]);
    const c = makeData({
      type: small.fields[0].type,
      length: 3,
      data: Int32Array.of(2, 0, 1),
      dictionary: vectorFromArray(["a", "b", "c"], new Utf8()),
    });
    const b = makeBatch(small, [c], 3);
    expect(compactDictionaries(b)).toBe(b);
  });
});

import { tableFromIPC, type Vector } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { wholeDictionaries } from "../../../runtime/formats/arrow.js";
import { createDecoder } from "../../../runtime/formats/index.js";
import { columnsOf } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { batchOver, chunks, deltaSchema, entries, keysOver, stream } from "./arrow-dictionaries.js";

const decoder = createDecoder("arrow", deltaSchema);

/** Rows a batch over the first `k` chunks holds, read without Arrow (ids from firstId). */
function expected(parts: Vector[], firstId: number): { id: number; city: string | null }[] {
  const all = entries(parts);
  return keysOver(all.length).map((k, i) => ({ id: firstId + i, city: k === null ? null : all[k] }));
}

describe("arrow format: delta dictionaries", () => {
  it("the test streams really carry deltas: arrow-js reads them as more dictionary chunks", () => {
    const c = chunks(3);
    const dict = c[0].concat(c[1]).concat(c[2]);
    const bytes = stream([batchOver(c[0], 0, [0]), batchOver(c[0].concat(c[1]), 1, [4]), batchOver(dict, 2, [7])]);
    const read = tableFromIPC(bytes).batches.map((b) => columnsOf(b)[1].dictionary!.data.length);
    expect(read).toEqual([1, 2, 3]);
  });

  it("reads keys into every delta of a dictionary that grows from batch to batch within a message", () => {
    const c = chunks(4);
    const grown = [
      c[0],
      c[0].concat(c[1]),
      c[0].concat(c[1]).concat(c[2]),
      c[0].concat(c[1]).concat(c[2]).concat(c[3]),
    ];
    const batches = grown.map((d, i) => batchOver(d, i * 100, keysOver(d.length)));
    const { batches: got, bad } = decoder.decode([stream(batches)]);
    expect(bad).toEqual([]);
    expect(got.map(batchRows)).toEqual(grown.map((_, i) => expected(c.slice(0, i + 1), i * 100)));
    // Downstream kernels read a dictionary's first chunk: every batch comes out with one.
    for (const b of got) expect(columnsOf(b)[1].dictionary!.data.length).toBe(1);
  });

  it("reads messages whose dictionaries grow across messages, each message a stream of deltas", () => {
    const c = chunks(5, 2);
    const messages = [1, 3, 5].map((k, m) => {
      // Message m: a first batch over some of the chunks, a second over k of them.
      const first = c.slice(0, Math.max(1, k - 1)).reduce((a, b) => a.concat(b));
      const all = c.slice(0, k).reduce((a, b) => a.concat(b));
      return stream([
        batchOver(first, m * 1000, keysOver(first.length)),
        batchOver(all, m * 1000 + 500, keysOver(all.length)),
      ]);
    });
    const { batches: got, bad } = decoder.decode(messages);
    expect(bad).toEqual([]);
    const want = [1, 3, 5].flatMap((k, m) => [
      expected(c.slice(0, Math.max(1, k - 1)), m * 1000),
      expected(c.slice(0, k), m * 1000 + 500),
    ]);
    expect(got.map(batchRows)).toEqual(want);
  });

  it("passes batches with one-chunk dictionaries through untouched (no copy)", () => {
    const c = chunks(1);
    const b = batchOver(c[0], 0, keysOver(3));
    const [got] = decoder.decode([stream([b])]).batches;
    expect(batchRows(got)).toEqual(expected(c, 0));
    expect(columnsOf(got)[1].dictionary!.data.length).toBe(1);
    expect(wholeDictionaries(b)).toBe(b);
  });
});

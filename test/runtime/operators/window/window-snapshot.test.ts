import { describe, expect, it } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../../runtime/kernels/hash.js";
import { takeBatch } from "../../../../runtime/kernels/take.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { columnsOf } from "../../../../runtime/types/column.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { seededRng } from "../../../helpers/random.js";
import { gathered, throughStorage } from "../../../helpers/snapshots.js";
import { AGGREGATES, expectSameOutputs, randomScript, type Step, toBatch } from "./window-data.js";
import type { Row } from "./window-reference.js";

const MAX_PARALLELISM = 16;
const schema = toBatch(seededRng(1), []).schema;

const WINDOWS: [string, WindowSpec][] = [
  ["tumbling", { type: "tumbling", size: "10s" }],
  ["sliding", { type: "sliding", size: "10s", slide: "4s" }],
  ["session", { type: "session", gap: "1s" }],
];
const KEYS = [["kd", "ki"], ["ks"], []];

function operator(
  window: WindowSpec,
  keys: string[],
  aggregates = AGGREGATES.map(([t]) => t),
  maxParallelism = MAX_PARALLELISM,
) {
  return new WindowAggregateOperator({
    name: "pipeline[2].window",
    input: { schema, timeField: "ts", keys },
    keys,
    window,
    aggregates,
    maxParallelism,
  });
}

/**
 * Feeds steps to subtasks as a keyed exchange would: each row to the subtask owning its key
 * group (of `parallelism`), every watermark to all. Returns the union of outputs per watermark.
 */
function run(ops: WindowAggregateOperator[], steps: Step[], keys: string[], seed: number): Row[][] {
  const rng = seededRng(seed);
  const outputs: Row[][] = [];
  for (const step of steps) {
    if ("rows" in step) {
      const batch = toBatch(rng, step.rows, step.sliced);
      if (ops.length === 1) {
        ops[0].processBatch(batch, 0);
        continue;
      }
      const cols = columnsOf(batch);
      const kgs = keyGroups(
        hashRows(
          keys.map((k) => cols[schema.fields.findIndex((f) => f.name === k)]),
          batch.numRows,
        ),
        MAX_PARALLELISM,
      );
      ops.forEach((op, subtask) => {
        const rows = Int32Array.from(
          [...kgs.keys()].filter((i) => subtaskForKeyGroup(kgs[i], ops.length, MAX_PARALLELISM) === subtask),
        );
        op.processBatch(takeBatch(batch, rows), 0);
      });
    } else outputs.push(ops.flatMap((op) => op.processWatermark(step.watermark).flatMap(batchRows)));
  }
  return outputs;
}

describe("WindowAggregateOperator snapshot and restore", () => {
  let seed = 500;
  for (const [label, window] of WINDOWS) {
    for (const keys of KEYS) {
      const s = seed++;
      const steps = randomScript(seededRng(s), { batches: 40, interleaving: s % 2 === 0 ? "every-batch" : "sparse" });
      const whole = () => {
        const op = operator(window, keys);
        return { outputs: run([op], steps, keys, s), late: op.lateRecords() };
      };
      const cut = 1 + (s % 3) * 25; // a step index mid-stream
      const before = steps.slice(0, cut);
      const after = steps.slice(cut);
      const watermarksBefore = before.filter((x) => "watermark" in x).length;

      it(`${label} [${keys.join(", ")}]: a restored operator finishes like an uninterrupted one`, () => {
        const expected = whole();
        const first = operator(window, keys);
        const out1 = run([first], before, keys, s);
        const lateBefore = first.lateRecords();
        const snapshot = first.snapshot();
        // A checkpoint gathers its key groups while processing goes on: slot reuse, key
        // compaction and state updates after the snapshot must not show in it.
        const continued = run([first], after, keys, s + 1);
        const second = operator(window, keys);
        second.restore(throughStorage(snapshot));
        const out2 = run([second], after, keys, s + 1);
        expectSameOutputs([...out1, ...out2], expected.outputs, keys);
        expectSameOutputs([...out1, ...continued], expected.outputs, keys);
        expect(lateBefore + second.lateRecords()).toBe(expected.late);
      });

      it(`${label} [${keys.join(", ")}]: scaling out, two operators restoring halves of the key groups add up to the whole`, () => {
        const expected = whole();
        const first = operator(window, keys);
        run([first], before, keys, s);
        const snapshot = first.snapshot();
        const halves = [0, 1].map((subtask) => {
          const op = operator(window, keys);
          op.restore(throughStorage(snapshot, (kg) => subtaskForKeyGroup(kg, 2, MAX_PARALLELISM) === subtask));
          return op;
        });
        const out = run(halves, after, keys, s + 1);
        expectSameOutputs(out, expected.outputs.slice(watermarksBefore), keys);
        expect(first.lateRecords() + halves[0].lateRecords() + halves[1].lateRecords()).toBe(expected.late);
      });

      it(`${label} [${keys.join(", ")}]: scaling in, one operator restoring two subtasks' state continues both`, () => {
        const expected = whole();
        const pair = [operator(window, keys), operator(window, keys)];
        run(pair, before, keys, s);
        const merged = operator(window, keys);
        for (const op of pair) merged.restore(throughStorage(op.snapshot()));
        const out = run([merged], after, keys, s + 1);
        expectSameOutputs(out, expected.outputs.slice(watermarksBefore), keys);
        expect(pair[0].lateRecords() + pair[1].lateRecords() + merged.lateRecords()).toBe(expected.late);
      });
    }
  }

  it("snapshots one Arrow batch per key group, dictionary keys as plain utf8", () => {
    const op = operator(
      { type: "tumbling", size: "10s" },
      ["kd"],
      ["count(*) AS n", "count(distinct name) AS d", "max(name)"],
    );
    const steps = randomScript(seededRng(3), { batches: 5, interleaving: "at-end" });
    run([op], steps.slice(0, -1), ["kd"], 3);
    const snapshot = gathered(op.snapshot());
    expect(snapshot.keyGroups.size).toBeGreaterThan(1);
    for (const [kg, batch] of snapshot.keyGroups) {
      expect(kg).toBeLessThan(MAX_PARALLELISM);
      expect(batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
        "kd:Utf8",
        "window_start:Timestamp<MILLISECOND>",
        "window_end:Timestamp<MILLISECOND>",
        "n.count:Float64",
        "d.values:List<Utf8>",
        "max_name.value:Utf8",
      ]);
    }
    expect(snapshot.meta).toMatchObject({ version: 1, watermark: "-Infinity", keys: ["kd"] });
  });

  it("refuses state written for other aggregates, keys, windows or maxParallelism", () => {
    const op = operator({ type: "tumbling", size: "10s" }, ["ks"], ["count(*) AS n"]);
    run([op], randomScript(seededRng(4), { batches: 5, interleaving: "at-end" }).slice(0, -1), ["ks"], 4);
    const snapshot = gathered(op.snapshot());
    expect(() => operator({ type: "tumbling", size: "10s" }, ["ks"], ["count(*) AS m"]).restore(snapshot)).toThrowError(
      /cannot restore the state of pipeline\[2\]\.window: the state was written with aggregates \["count\(\*\) AS n"\]/,
    );
    expect(() => operator({ type: "tumbling", size: "5s" }, ["ks"], ["count(*) AS n"]).restore(snapshot)).toThrowError(
      /with window/,
    );
    expect(() => operator({ type: "tumbling", size: "10s" }, ["kd"], ["count(*) AS n"]).restore(snapshot)).toThrowError(
      /with keys/,
    );
    expect(() =>
      operator({ type: "tumbling", size: "10s" }, ["ks"], ["count(*) AS n"], 7).restore(snapshot),
    ).toThrowError(/maxParallelism must not change/);
  });
});

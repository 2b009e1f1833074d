import { describe, expect, it } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { seededRng } from "../../../helpers/random.js";
import { gathered } from "../../../helpers/snapshots.js";
import { expectSameOutputs, randomRow, runOperator, runReference, type Step, toBatch } from "./window-data.js";
import { type RefAggregate, type RefWindow, type Row, WindowReference } from "./window-reference.js";

/**
 * Long runs where keys and values keep changing (auction ids, session ids): the operator drops
 * keys without open windows from its key table and shrinks its distinct-value table as windows
 * fire. Results must not notice, including across a snapshot taken after such compactions.
 */

const schema = toBatch(seededRng(1), []).schema;
const AGGS: [string, RefAggregate][] = [
  ["count(*) AS n", { name: "n", fn: "count", column: null }],
  ["max(price) AS hi", { name: "hi", fn: "max", column: "price" }],
  ["min(name) AS lo", { name: "lo", fn: "min", column: "name" }],
  ["count(distinct price) AS dp", { name: "dp", fn: "count_distinct", column: "price" }],
  ["count(distinct name) AS dn", { name: "dn", fn: "count_distinct", column: "name" }],
];

/** ~100k rows, 10 ms apart; key ki changes every 3 rows, price is unique per row. */
function churningSteps(seed: number): Step[] {
  const rng = seededRng(seed);
  const steps: Step[] = [];
  let j = 0;
  for (let b = 0; b < 100; b++) {
    const rows: Row[] = [];
    for (let i = 0; i < 1000; i++, j++) {
      const time = j * 10 - rng.int(0, 300);
      rows.push({ ...randomRow(rng, time), ki: Math.floor(j / 3) + rng.int(0, 2), price: j, name: `n${j % 70_001}` });
    }
    steps.push({ rows, sliced: false }, { watermark: j * 10 - 500 });
  }
  steps.push({ watermark: Number.POSITIVE_INFINITY });
  return steps;
}

const CASES: [string, WindowSpec, RefWindow][] = [
  ["tumbling 1s", { type: "tumbling", size: "1s" }, { type: "aligned", size: 1000, slide: 1000 }],
  [
    "sliding 1s every 500ms",
    { type: "sliding", size: "1s", slide: "500ms" },
    { type: "aligned", size: 1000, slide: 500 },
  ],
  ["session 40ms", { type: "session", gap: "40ms" }, { type: "session", gap: 40 }],
];

describe("WindowAggregateOperator with churning keys and values", () => {
  for (const [label, spec, refWindow] of CASES) {
    it(`${label}: matches the reference while dropping dead keys, also across a snapshot`, () => {
      const steps = churningSteps(label.length);
      const make = () =>
        new WindowAggregateOperator({
          name: "w",
          input: { schema, timeField: "ts", keys: ["ki"] },
          keys: ["ki"],
          window: spec,
          aggregates: AGGS.map(([t]) => t),
          maxParallelism: 128,
        });
      const reference = new WindowReference(
        ["ki"],
        "ts",
        refWindow,
        AGGS.map(([, r]) => r),
      );
      const expected = runReference(reference, steps);
      const rng = seededRng(9);
      const first = make();
      const cut = 150;
      const out1 = runOperator(first, steps.slice(0, cut), rng);
      expect(first.openSlots()).toBeLessThan(2000); // state follows the open windows, not history
      const lateBefore = first.lateRecords();
      const snapshot = first.snapshot();
      // Gathered only after the first operator went on: key compaction and slot reuse since the
      // snapshot must not show in it.
      runOperator(first, steps.slice(cut), seededRng(10));
      const second = make();
      second.restore(gathered(snapshot));
      const out2 = runOperator(second, steps.slice(cut), rng);
      expectSameOutputs([...out1, ...out2], expected, ["ki"]);
      expect(lateBefore + second.lateRecords()).toBe(reference.late);
    });
  }
});

import { describe, expect, it } from "vitest";
import { IntervalJoinOperator } from "../../../../runtime/operators/join/interval-join.js";
import { batchOf, canonical, Rng, rowsOf } from "./join-data.js";
import {
  type Case,
  expectReference,
  expectSameAfterRestore,
  joinOptions,
  materialize,
  type Rule,
  rescaled,
  run,
  SETUPS,
  scenario,
} from "./regular-join-reference.js";

const BOUNDS: { name: string; lower: number; upper: number }[] = [
  { name: "[-3s, +1s]", lower: -3_000, upper: 1_000 },
  { name: "[-1s, 0] (left at or before right)", lower: -1_000, upper: 0 },
  { name: "[+500ms, +4s] (left after right)", lower: 500, upper: 4_000 },
  { name: "[-9999ms, +1ms] (q7's bid against window_end)", lower: -9_999, upper: 1 },
];

const intervalRule = (lower: number, upper: number): Rule => ({
  late: (t, wm) => t < wm,
  pairs: (lt, rt) => rt + lower <= lt && lt <= rt + upper,
});

const make = (c: Case, lower: number, upper: number, mp = 16) =>
  new IntervalJoinOperator({ ...joinOptions(c, mp), lower, upper });

describe("IntervalJoinOperator", { timeout: 60_000 }, () => {
  for (const setup of SETUPS)
    for (const b of BOUNDS) {
      it(`matches a nested-loop reference: ${setup.name}, ${b.name}`, () => {
        for (const seed of [1, 2, 3])
          expectReference(setup, seed, intervalRule(b.lower, b.upper), (c) => make(c, b.lower, b.upper));
      });
    }

  it("gives the same output after snapshot and restore, with the snapshot gathered after later batches", () => {
    for (const setup of SETUPS) {
      const { c, steps } = scenario(setup, 7);
      const fed = materialize(c, steps, 7);
      expectSameAfterRestore(fed, [0, 40, 80, fed.length - 1], () => make(c, -3_000, 1_000));
    }
  });

  it("rescales: key groups split over two subtasks give the same output", () => {
    const { c, steps } = scenario(SETUPS[0], 11);
    const fed = materialize(c, steps, 11);
    const expected = run(make(c, -3_000, 1_000), fed);
    const cut = 60;
    const first = make(c, -3_000, 1_000);
    const before = run(first, fed, 0, cut);
    const after = rescaled(c, fed, cut, () => make(c, -3_000, 1_000), first, 16);
    expect(canonical([...before, ...after])).toEqual(canonical(expected));
  });

  it("includes both bounds, excludes 1 ms beyond them, and drops rows behind the watermark as late", () => {
    const c = scenario(SETUPS[1], 1).c;
    const op = make(c, -2_000, 1_000);
    const rng = new Rng(1);
    const feed = (input: 0 | 1, t: number) =>
      op.processBatch(batchOf(input === 0 ? c.left : c.right, [{ k: "a", t }], rng), input).flatMap(rowsOf);
    expect(feed(1, 10_000)).toEqual([]);
    const pairs = [7_999, 8_000, 9_000, 11_000, 11_001].map((t) => feed(0, t).map((r) => [r.t, r.r_t]));
    expect(pairs).toEqual([[], [[8_000, 10_000]], [[9_000, 10_000]], [[11_000, 10_000]], []]);
    // A right row at 10 s is pruned once no left row still to come can reach it: W > 10 s + 1 s.
    expect(op.processWatermark(11_000)).toEqual([]);
    expect(op.bufferedRows()[1]).toBe(1);
    expect(op.processWatermark(11_001)).toEqual([]);
    expect(op.bufferedRows()[1]).toBe(0);
    // Left rows are kept until W passes t - lower = t + 2 s: 11 s and 11.001 s are still there.
    expect(op.bufferedRows()[0]).toBe(2);
    expect(feed(0, 11_000)).toEqual([]);
    expect(op.lateRecords()).toBe(1);
    expect(feed(1, 12_000).map((r) => [r.t, r.r_t])).toEqual([
      [11_001, 12_000],
      [11_000, 12_000],
    ]);
  });

  it("holds the watermark it passes on back by -lower, and names its output's event time after the left's", () => {
    const c = scenario(SETUPS[0], 1).c;
    expect(make(c, -9_999, 1).watermarkDelay).toBe(9_999);
    expect(make(c, 500, 4_000).watermarkDelay).toBe(0);
    const op = make(c, -3_000, 1_000);
    expect(op.output.timeField).toBe("t");
    expect(op.output.keys).toEqual(["k", "kd"]);
    expect(op.output.schema.fields.map((f) => f.name)).toEqual([
      "k",
      "kd",
      "t",
      "v",
      "b",
      "r_k",
      "r_kd",
      "r_t",
      "name",
    ]);
  });

  it("refuses an empty interval, a side without event time and incomparable keys", () => {
    const c = scenario(SETUPS[0], 1).c;
    expect(() => make(c, 1_000, 0)).toThrow(/lower bound \(1000 ms\) must not be after its upper bound \(0 ms\)/);
    expect(
      () => new IntervalJoinOperator({ ...joinOptions(c), right: { schema: c.right }, lower: 0, upper: 1 }),
    ).toThrow(/right \(r\) input has no event-time column/);
    expect(() => new IntervalJoinOperator({ ...joinOptions(c), rightKey: ["name", "kd"], lower: 0, upper: 1 })).toThrow(
      /cannot be compared/,
    );
  });
});

import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import { WindowJoinOperator, type WindowJoinOptions } from "../../../../runtime/operators/join/window-join.js";
import { throughStorage } from "../../../helpers/snapshots.js";
import { batchOf, canonical, type Kind, Rng, type Row, randomSteps, rowsOf, schemaOf } from "./join-data.js";
import { splitInTwo } from "./regular-join-reference.js";
import { type JoinCase, referenceWindowJoin, type Step } from "./window-join-reference.js";

type KeySetup = {
  name: string;
  left: [string, Kind][];
  right: [string, Kind][];
  leftKey: string[];
  rightKey: string[];
};

const KEY_SETUPS: KeySetup[] = [
  {
    name: "int32+dictionary keys against int64+utf8 keys",
    left: [
      ["k", "int32"],
      ["kd", "dict"],
      ["t", "timestamp"],
      ["v", "float64"],
      ["s", "utf8"],
      ["b", "bool"],
    ],
    right: [
      ["k", "int64"],
      ["kd", "utf8"],
      ["t", "int64"],
      ["v", "int32"],
      ["name", "dict"],
    ],
    leftKey: ["k", "kd"],
    rightKey: ["k", "kd"],
  },
  {
    name: "utf8 key against a dictionary key",
    left: [
      ["id", "utf8"],
      ["t", "timestamp"],
      ["v", "int64"],
    ],
    right: [
      ["ref", "dict"],
      ["ts", "timestamp"],
      ["v", "float64"],
      ["window_start", "int32"],
    ],
    leftKey: ["id"],
    rightKey: ["ref"],
  },
  {
    name: "int64 key against an int32 key",
    left: [
      ["k", "int64"],
      ["t", "timestamp"],
      ["note", "dict"],
    ],
    right: [
      ["k", "int32"],
      ["t", "timestamp"],
      ["note", "utf8"],
    ],
    leftKey: ["k"],
    rightKey: ["k"],
  },
];

const WINDOWS: { name: string; spec: WindowSpec; size: number; slide: number }[] = [
  { name: "tumbling 10s", spec: { type: "tumbling", size: "10s" }, size: 10_000, slide: 10_000 },
  { name: "sliding 10s/4s", spec: { type: "sliding", size: "10s", slide: "4s" }, size: 10_000, slide: 4_000 },
  { name: "sliding 4s/6s (gaps)", spec: { type: "sliding", size: "4s", slide: "6s" }, size: 4_000, slide: 6_000 },
];

const KEYS_INT = [0, 1, 2, 3, 4, 5, -7, 2147483647];
const KEYS_STR = ["a", "b", "é", "", "long key with spaces ☃", "f", "g", "h"];

function randomValue(kind: Kind, column: string, rng: Rng): Row[string] {
  if (rng.chance(0.08)) return null;
  switch (kind) {
    case "int32":
    case "int64":
      return column === "k" ? rng.pick(KEYS_INT) : rng.range(0, 2_000_001) - 1_000_000;
    case "float64":
      return rng.range(0, 1000) / 8;
    case "bool":
      return rng.chance(0.5);
    default:
      return ["k", "kd", "id", "ref"].includes(column) ? rng.pick(KEYS_STR) : `s${rng.range(0, 50)}`;
  }
}

/** Batches of both sides with out-of-order times, late rows, empty and sliced batches, and watermarks. */
function scenario(setup: KeySetup, seed: number): { c: Omit<JoinCase, "size" | "slide">; steps: Step[] } {
  const rng = new Rng(seed);
  const c = {
    left: schemaOf(setup.left),
    right: schemaOf(setup.right),
    rightName: "r",
    leftKey: setup.leftKey,
    rightKey: setup.rightKey,
    leftTime: "t",
    rightTime: setup.right.some(([n]) => n === "ts") ? "ts" : "t",
  };
  const steps = randomSteps(rng, {
    batches: 120,
    gap: 2_000,
    maxRows: 40,
    jitter: 5_000,
    behind: 20_000,
    lag: 5_000,
    lagSpread: 3_000,
    columns: (input) => (input === 0 ? setup.left : setup.right),
    timeColumn: (input) => (input === 0 ? c.leftTime : c.rightTime),
    value: randomValue,
  });
  return { c, steps };
}

function options(c: Omit<JoinCase, "size" | "slide">, window: WindowSpec, maxParallelism = 16): WindowJoinOptions {
  return {
    name: "test.join",
    left: { schema: c.left, timeField: c.leftTime },
    right: { schema: c.right, timeField: c.rightTime },
    rightName: c.rightName,
    leftKey: c.leftKey,
    rightKey: c.rightKey,
    window,
    maxParallelism,
  };
}

/** Builds the steps' batches once (the same Arrow batches go to every run). */
type Fed = { input: number; batch: RecordBatch; rows: Row[] } | { watermark: number };

function materialize(c: Omit<JoinCase, "size" | "slide">, steps: Step[], seed: number): Fed[] {
  const rng = new Rng(seed);
  return steps.map((s) => {
    if ("watermark" in s) return s;
    const batch = batchOf(s.input === 0 ? c.left : c.right, s.rows, rng);
    if (!s.slice) return { input: s.input, batch, rows: s.rows };
    return { input: s.input, batch: batch.slice(s.slice[0], s.slice[1]), rows: s.rows.slice(s.slice[0], s.slice[1]) };
  });
}

/** Runs ops over steps [from, to), checking that each window is emitted when the watermark passes its end. */
function run(op: WindowJoinOperator, batches: Fed[], from = 0, to = batches.length): Row[] {
  const out: Row[] = [];
  let wm = -Infinity;
  for (const s of batches.slice(from, to)) {
    if ("watermark" in s) {
      for (const b of op.processWatermark(s.watermark)) {
        for (const r of rowsOf(b)) {
          const end = r.window_end as number;
          if (end > s.watermark || end <= wm)
            throw new Error(`window ending ${end} emitted at watermark ${s.watermark} (before: ${wm})`);
          out.push(r);
        }
      }
      wm = Math.max(wm, s.watermark);
    } else {
      expect(op.processBatch(s.batch, s.input)).toEqual([]);
    }
  }
  return out;
}

describe("WindowJoinOperator", { timeout: 60_000 }, () => {
  for (const setup of KEY_SETUPS) {
    for (const w of WINDOWS) {
      it(`matches a nested-loop reference: ${setup.name}, ${w.name}`, () => {
        for (const seed of [1, 2]) {
          const { c, steps } = scenario(setup, seed);
          const expected = referenceWindowJoin({ ...c, size: w.size, slide: w.slide }, steps);
          const op = new WindowJoinOperator(options(c, w.spec));
          const rows = run(op, materialize(c, steps, seed));
          expect(expected.rows.length).toBeGreaterThan(0);
          expect(canonical(rows)).toEqual(canonical(expected.rows));
          expect(op.lateRecords()).toBe(expected.late);
          expect(op.bufferedRows()).toEqual([0, 0]);
        }
      });

      it(`gives the same output after snapshot and restore, with the snapshot gathered after later batches: ${setup.name}, ${w.name}`, () => {
        const { c, steps } = scenario(setup, 7);
        const batches = materialize(c, steps, 7);
        const whole = new WindowJoinOperator(options(c, w.spec));
        const expected = run(whole, batches);
        for (const cut of [0, 45, batches.length - 1]) {
          const first = new WindowJoinOperator(options(c, w.spec));
          const before = run(first, batches, 0, cut);
          const lateBefore = first.lateRecords();
          const snapshot = first.snapshot();
          // Checkpoints gather key groups while processing goes on: appends, evictions and
          // dictionary re-packs after the snapshot must not show in it.
          const continued = run(first, batches, cut);
          const second = new WindowJoinOperator(options(c, w.spec));
          second.restore(throughStorage(snapshot));
          const after = run(second, batches, cut);
          expect(canonical([...before, ...after])).toEqual(canonical(expected));
          expect(canonical(after)).toEqual(canonical(continued));
          expect(lateBefore + second.lateRecords()).toBe(whole.lateRecords());
        }
      });
    }
  }

  it("rescales: key groups split over two subtasks give the same output", () => {
    const setup = KEY_SETUPS[0];
    const w = WINDOWS[1];
    const { c, steps } = scenario(setup, 11);
    const batches = materialize(c, steps, 11);
    const mp = 16;
    const expected = run(new WindowJoinOperator(options(c, w.spec, mp)), batches);
    const cut = 60;
    const first = new WindowJoinOperator(options(c, w.spec, mp));
    const before = run(first, batches, 0, cut);
    // Restored into two subtasks, each fed the rows of its key groups, as the exchange would.
    const subtasks = splitInTwo(c, batches, cut, () => new WindowJoinOperator(options(c, w.spec, mp)), first, mp);
    const after = subtasks.flatMap((t) => run(t.op, t.fed));
    expect(canonical([...before, ...after])).toEqual(canonical(expected));
  });

  it("stays correct when buffered dictionaries are re-packed after many distinct strings", () => {
    const setup = KEY_SETUPS[2];
    const c = { ...scenario(setup, 1).c };
    const steps: Step[] = [];
    let unique = 0;
    for (let i = 0; i < 200; i++) {
      const now = i * 1_000;
      for (const input of [0, 1] as const) {
        const rows: Row[] = [];
        for (let r = 0; r < 40; r++) rows.push({ k: r % 5, t: now + r * 20, note: `note-${unique++}` });
        steps.push({ input, rows });
      }
      steps.push({ watermark: now - 2_000 });
    }
    steps.push({ watermark: Infinity });
    const w = WINDOWS[1];
    const expected = referenceWindowJoin({ ...c, size: w.size, slide: w.slide }, steps);
    const rows = run(new WindowJoinOperator(options(c, w.spec)), materialize(c, steps, 3));
    expect(canonical(rows)).toEqual(canonical(expected.rows));
  });

  it("emits a window exactly when the watermark reaches its end and counts rows arriving after as late", () => {
    const c = scenario(KEY_SETUPS[2], 1).c;
    const op = new WindowJoinOperator(options(c, { type: "tumbling", size: "10s" }));
    const rng = new Rng(1);
    const feed = (input: 0 | 1, t: number) =>
      op.processBatch(batchOf(input === 0 ? c.left : c.right, [{ k: 1, t }], rng), input);
    feed(0, 9_999);
    feed(1, 0);
    expect(op.processWatermark(9_999)).toEqual([]);
    const fired = op.processWatermark(10_000).flatMap(rowsOf);
    expect(fired.map((r) => [r.t, r.r_t, r.window_start, r.window_end])).toEqual([[9_999, 0, 0, 10_000]]);
    feed(0, 5_000);
    feed(1, 9_999);
    expect(op.lateRecords()).toBe(2);
    feed(1, 10_000);
    feed(0, 19_999);
    expect(op.lateRecords()).toBe(2);
    expect(op.processWatermark(10_000)).toEqual([]);
    const flushed = op.processWatermark(Infinity).flatMap(rowsOf);
    expect(flushed.map((r) => [r.t, r.r_t, r.window_start, r.window_end])).toEqual([[19_999, 10_000, 10_000, 20_000]]);
  });

  it("keeps a sliding-window row for its windows that have not fired yet", () => {
    const c = scenario(KEY_SETUPS[2], 1).c;
    const op = new WindowJoinOperator(options(c, { type: "sliding", size: "10s", slide: "5s" }));
    const rng = new Rng(1);
    const feed = (input: 0 | 1, t: number) =>
      op.processBatch(batchOf(input === 0 ? c.left : c.right, [{ k: 2, t }], rng), input);
    feed(0, 1_000);
    expect(op.processWatermark(10_000)).toEqual([]);
    feed(1, 7_000); // window [0, 10s) has fired; [5s, 15s) has not
    feed(0, 8_000);
    expect(op.lateRecords()).toBe(0);
    const rows = op.processWatermark(Infinity).flatMap(rowsOf);
    expect(rows.map((r) => [r.t, r.r_t, r.window_start])).toEqual([[8_000, 7_000, 5_000]]);
  });

  it("rejects session windows, unknown columns and incomparable key types with clear errors", () => {
    const c = scenario(KEY_SETUPS[0], 1).c;
    expect(() => new WindowJoinOperator(options(c, { type: "session", gap: "5s" }))).toThrow(
      /session windows are not supported/,
    );
    expect(
      () => new WindowJoinOperator({ ...options(c, { type: "tumbling", size: "1s" }), leftKey: ["nope", "kd"] }),
    ).toThrow(/left input has no column "nope"/);
    expect(
      () => new WindowJoinOperator({ ...options(c, { type: "tumbling", size: "1s" }), rightKey: ["name", "kd"] }),
    ).toThrow(/key "k" \(Int32\) cannot be compared with "name"/);
    expect(
      () => new WindowJoinOperator({ ...options(c, { type: "tumbling", size: "1s" }), rightKey: ["k", "name", "t"] }),
    ).toThrow(/differ in length/);
    expect(() => new WindowJoinOperator({ ...options(c, { type: "sliding", size: "1s" }) })).toThrow(/needs `slide`/);
  });

  it("names colliding right columns <rightName>_<col> and ends with window bounds", () => {
    const c = scenario(KEY_SETUPS[0], 1).c;
    const op = new WindowJoinOperator(options(c, { type: "tumbling", size: "10s" }));
    expect(op.output.schema.fields.map((f) => f.name)).toEqual([
      "k",
      "kd",
      "t",
      "v",
      "s",
      "b",
      "r_k",
      "r_kd",
      "r_t",
      "r_v",
      "name",
      "window_start",
      "window_end",
    ]);
    expect(op.output.timeField).toBe("window_end");
    expect(op.output.keys).toEqual(["k", "kd"]);
  });
});

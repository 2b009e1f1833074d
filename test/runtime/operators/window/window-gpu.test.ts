import type { Data, RecordBatch } from "apache-arrow";
import { describe, expect, it, vi } from "vitest";
import type { WindowSpec } from "../../../../runtime/contract/spec/schema.js";
import type { GpuKernels } from "../../../../runtime/kernels/gpu-kernels.js";
import type { Logger } from "../../../../runtime/log.js";
import { EngineMetrics } from "../../../../runtime/metrics/metrics.js";
import { WindowAggregateOperator } from "../../../../runtime/operators/window/window-aggregate.js";
import { type Rng, seededRng } from "../../../helpers/random.js";
import { cpuOnlyKernels, FakeCudaAddon, fakeGpuKernels } from "../../kernels/fake-cuda-addon.js";
import { randomScript, type Step, toBatch } from "./window-data.js";

/**
 * Window aggregation routed to the GPU, tested through the real operator -> GpuKernels ->
 * GpuRouter path with an in-process fake of the addon's CUDA entry points (fake-cuda-addon.ts:
 * unit tests of routing only; the real kernels are checked on a GPU by the device check). The
 * fake folds rows in reverse, so equal outputs also show that the routed aggregates do not depend
 * on row order. Every output is compared with a CPU-only operator's bit for bit.
 */

const schema = toBatch(seededRng(1), []).schema;
const AGGREGATES = [
  "count(*) AS n",
  "count(price)",
  "count(name) AS cname",
  "sum(price) AS sp",
  "sum(n32)",
  "avg(price)",
  "sum(x) AS sx",
  "avg(x) AS ax",
  "min(price)",
  "max(price)",
  "min(x)",
  "max(x)",
  "min(n32)",
  "max(n32)",
  "min(flag)",
  "max(t2)",
  "count(distinct name) AS dn",
];
const SPECIAL_X = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

function operator(gpu: GpuKernels, window: WindowSpec, keys: string[]): WindowAggregateOperator {
  return new WindowAggregateOperator({
    name: "pipeline[1].window",
    input: { schema, timeField: "ts", keys },
    keys,
    window,
    aggregates: AGGREGATES,
    maxParallelism: 128,
    gpu,
  });
}

/** A random script whose x values include NaN, ±0 and ±Infinity (min/max order cases). */
function script(seed: number): Step[] {
  const rng = seededRng(seed);
  const steps = randomScript(rng, { batches: 60, interleaving: "sparse" });
  for (const s of steps) if ("rows" in s) for (const r of s.rows) if (rng.chance(0.1)) r.x = rng.pick(SPECIAL_X);
  return steps;
}

/** Output batches per watermark step (toBatch slices with its own rng, seeded alike per run). */
function run(op: WindowAggregateOperator, steps: Step[], rng: Rng): RecordBatch[][] {
  const out: RecordBatch[][] = [];
  for (const s of steps) {
    if ("rows" in s) op.processBatch(toBatch(rng, s.rows, s.sliced), 0);
    else out.push(op.processWatermark(s.watermark));
  }
  return out;
}

/**
 * Each valid row's value bytes in a numeric column (so -0 vs +0 counts), else []. A NaN is just
 * "NaN": its sign bit varies even between CPU runs (V8 computes Infinity - Infinity in more than
 * one way), and the GPU's min/max return the canonical NaN.
 */
function bytesOf(d: Data): (number[] | string | null)[] {
  const v: unknown = d.values;
  if (d.dictionary || !(v instanceof Float64Array || v instanceof BigInt64Array || v instanceof Int32Array)) return [];
  const w = v.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return Array.from({ length: d.length }, (_, i) => {
    if (!d.getValid(i)) return null;
    return v instanceof Float64Array && Number.isNaN(v[i]) ? "NaN" : [...bytes.subarray(i * w, (i + 1) * w)];
  });
}

function expectIdentical(gpu: RecordBatch[][], cpu: RecordBatch[][]): void {
  expect(gpu.length).toBe(cpu.length);
  for (let step = 0; step < cpu.length; step++) {
    expect(gpu[step].length, `batches at step ${step}`).toBe(cpu[step].length);
    for (let b = 0; b < cpu[step].length; b++) {
      const [g, c] = [gpu[step][b], cpu[step][b]];
      expect(g.toArray().map((r) => r.toJSON())).toEqual(c.toArray().map((r) => r.toJSON()));
      for (let col = 0; col < c.numCols; col++) {
        const name = c.schema.fields[col].name;
        expect(bytesOf(g.getChildAt(col)!.data[0]), `step ${step}, column ${name}`).toEqual(
          bytesOf(c.getChildAt(col)!.data[0]),
        );
      }
    }
  }
}

const WINDOWS: [string, WindowSpec][] = [
  ["tumbling 10s", { type: "tumbling", size: "10s" }],
  ["sliding 9s every 3s", { type: "sliding", size: "9s", slide: "3s" }],
  ["session gap 2s", { type: "session", gap: "2s" }],
];

describe("WindowAggregateOperator on the CUDA kernels (fake addon)", () => {
  for (const [label, window] of WINDOWS) {
    for (const keys of [["ks"], []]) {
      it(`${label}, keys [${keys.join(", ")}]: GPU-routed output equals the CPU's bit for bit`, () => {
        const steps = script(7);
        const fake = new FakeCudaAddon();
        const gpu = fakeGpuKernels(40, fake);
        const out = run(operator(gpu, window, keys), steps, seededRng(99));
        expectIdentical(out, run(operator(cpuOnlyKernels(), window, keys), steps, seededRng(99)));
        const places = Object.fromEntries(gpu.counts().map((c) => [c.place, c.batches]));
        // Batches of 1..120 rows around a threshold of 40: both places are taken.
        expect(places.cuda).toBeGreaterThan(0);
        expect(places.cpu).toBeGreaterThan(0);
        expect(fake.calls.groupAggregate).toBe(places.cuda);
      });
    }
  }

  it("routes by batch size: at or above SABOT_GPU_MIN_ROWS to cuda, below to cpu", () => {
    const gpu = fakeGpuKernels(100);
    const op = operator(gpu, { type: "tumbling", size: "10s" }, ["ks"]);
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ ks: "a", ts: 1000 + i, price: i, x: i / 2 }));
    op.processBatch(toBatch(seededRng(1), rows(100)), 0);
    op.processBatch(toBatch(seededRng(1), rows(99)), 0);
    // Per batch, one call per aggregate the GPU folds: 14 of the 17 (not sum(x) and avg(x) of a
    // float column, nor the distinct count), at place cuda for the 100-row batch, cpu for 99 rows.
    expect(gpu.counts()).toEqual([
      { kernel: "groupAggregate", place: "cuda", batches: 14 },
      { kernel: "groupAggregate", place: "cpu", batches: 14 },
    ]);
  });

  it("min/max of ±0 and NaN do not depend on row order or place: -0 < +0 < NaN", () => {
    const rows = [
      ...[-0, 0, -0].map((x) => ({ ks: "a", x })),
      ...[0, -0, 0].map((x) => ({ ks: "b", x })),
      ...[Number.NaN, 1, -1].map((x) => ({ ks: "c", x })),
      ...[1, Number.NaN].map((x) => ({ ks: "d", x })),
    ].map((r, i) => ({ ...r, ts: 1000 + i }));
    const results = [fakeGpuKernels(1), fakeGpuKernels(1000), cpuOnlyKernels()].map((gpu) => {
      const op = new WindowAggregateOperator({
        name: "w",
        input: { schema, timeField: "ts", keys: ["ks"] },
        keys: ["ks"],
        window: { type: "tumbling", size: "10s" },
        aggregates: ["min(x)", "max(x)"],
        maxParallelism: 128,
        gpu,
      });
      op.processBatch(toBatch(seededRng(1), rows), 0);
      const out = op.processWatermark(Number.POSITIVE_INFINITY).flatMap((b) => b.toArray().map((r) => r.toJSON()));
      return Object.fromEntries(out.map((r) => [r.ks, [r.min_x, r.max_x]]));
    });
    for (const r of results) {
      expect(Object.is(r.a[0], -0) && Object.is(r.a[1], 0), `a: ${r.a}`).toBe(true);
      expect(Object.is(r.b[0], -0) && Object.is(r.b[1], 0), `b: ${r.b}`).toBe(true);
      expect(r.c).toEqual([-1, Number.NaN]);
      expect(r.d).toEqual([1, Number.NaN]);
    }
  });

  it("a failing CUDA call reruns that batch on the CPU: same output, counted as fallback, warned once", () => {
    const steps = script(8);
    const fake = new FakeCudaAddon();
    fake.failWith = "CUDA error 700 (see cudaError_t)";
    const log = { info: vi.fn(), warn: vi.fn() };
    const gpu = fakeGpuKernels(1, fake, log as unknown as Logger);
    const window: WindowSpec = { type: "tumbling", size: "10s" };
    const out = run(operator(gpu, window, ["ks"]), steps, seededRng(5));
    expectIdentical(out, run(operator(cpuOnlyKernels(), window, ["ks"]), steps, seededRng(5)));
    const places = Object.fromEntries(gpu.counts().map((c) => [c.place, c.batches]));
    expect(places.fallback).toBe(fake.calls.groupAggregate);
    expect(places.fallback).toBeGreaterThan(0);
    expect(places.cuda).toBe(0);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0][1]).toBe(
      "groupAggregate: a CUDA call failed, the batch ran on the CPU kernels (CUDA error 700 (see cudaError_t))",
    );
  });

  it("exports the batches per place as sabot_kernels_gpu_batches_total, and impl=cuda while in use", async () => {
    const gpu = fakeGpuKernels(40);
    run(operator(gpu, { type: "tumbling", size: "10s" }, ["ks"]), script(9), seededRng(1));
    const text = await new EngineMetrics(gpu).registry.metrics();
    const line = (place: string) =>
      text
        .split("\n")
        .find((l) => l.startsWith(`sabot_kernels_gpu_batches_total{kernel="groupAggregate",place="${place}"}`));
    for (const c of gpu.counts()) expect(line(c.place)).toBe(`${line(c.place)?.split(" ")[0]} ${c.batches}`);
    expect(line("cuda")).toBeDefined();
    expect(text).toContain('sabot_kernels_info{impl="cuda"} 1');
    expect(await new EngineMetrics(cpuOnlyKernels()).registry.metrics()).not.toContain('impl="cuda"');
  });
});

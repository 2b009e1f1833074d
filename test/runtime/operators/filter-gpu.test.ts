import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { FilterOperator } from "../../../runtime/operators/filter.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { Rng, randomBatch } from "../../helpers/random.js";
import { rowsOf } from "../expr/harness.js";
import { cpuOnlyKernels, FakeCudaAddon, fakeGpuKernels } from "../kernels/fake-cuda-addon.js";

/**
 * The filter's GPU path through operator -> GpuKernels -> GpuRouter with an in-process fake of
 * the addon's CUDA entry points (a unit test of routing only; the real kernels are checked on a
 * GPU by native/cuda/device-check.sh): the rows kept equal the CPU predicate's, in order.
 */
const FIELDS: FieldSpec[] = [
  { name: "ts", type: "timestamp[ms]" },
  { name: "price", type: "float64" },
  { name: "bidder", type: "int64" },
  { name: "n", type: "int32" },
  { name: "url", type: "utf8" },
];
const input = { schema: arrowSchema(FIELDS), timeField: "ts", keys: [] };

function batches(seed: number): RecordBatch[] {
  const rng = new Rng(seed);
  return Array.from({ length: 12 }, (_, k) => {
    const b = randomBatch(rng, FIELDS, rng.int(0, 400), { nullRate: [0, 0.1, 0.5][k % 3] });
    return k % 4 === 3 && b.numRows > 10 ? b.slice(3, b.numRows - 2) : b;
  });
}

describe("FilterOperator on the CUDA kernels (fake addon)", () => {
  const cases = [
    "price > 100",
    "price <= -3.5",
    "100 < price",
    "bidder = 7",
    "bidder <> -2",
    "n >= 0",
    "-10 > n",
    "price >= 1e300",
  ];
  for (const sql of cases) {
    it(`\`${sql}\` keeps the same rows as the CPU predicate, large batches on cuda`, () => {
      const fake = new FakeCudaAddon();
      const gpu = fakeGpuKernels(100, fake);
      const onGpu = new FilterOperator("f", input, sql, gpu);
      const onCpu = new FilterOperator("f", input, sql, cpuOnlyKernels());
      for (const b of batches(sql.length)) {
        const got = onGpu.processBatch(b, 0);
        const want = onCpu.processBatch(b, 0);
        expect(got.flatMap(rowsOf)).toEqual(want.flatMap(rowsOf));
        if (want.length === 1 && want[0] === b) expect(got[0]).toBe(b);
      }
      const places = Object.fromEntries(gpu.counts().map((c) => [c.place, c.batches]));
      expect(places.cuda).toBe(fake.calls.filterCompare);
      expect(places.cuda).toBeGreaterThan(0);
      expect(places.cpu).toBeGreaterThan(0);
    });
  }

  it("leaves other predicates to the CPU: nothing is routed", () => {
    const gpu = fakeGpuKernels(1);
    for (const sql of ["price > bidder", "url = 'x'", "price > 1 AND n < 3", "n + 1 > 2", "ts > 5"])
      for (const b of batches(3)) new FilterOperator("f", input, sql, gpu).processBatch(b, 0);
    expect(gpu.counts()).toEqual([]);
  });

  it("a failing CUDA call reruns the batch with the CPU predicate", () => {
    const fake = new FakeCudaAddon();
    fake.failWith = "CUDA error 700";
    const gpu = fakeGpuKernels(1, fake);
    const op = new FilterOperator("f", input, "price > 100", gpu);
    const ref = new FilterOperator("f", input, "price > 100", cpuOnlyKernels());
    for (const b of batches(4))
      expect(op.processBatch(b, 0).flatMap(rowsOf)).toEqual(ref.processBatch(b, 0).flatMap(rowsOf));
    const places = Object.fromEntries(gpu.counts().map((c) => [c.place, c.batches]));
    expect(places.fallback).toBeGreaterThan(0);
    expect(places.cuda).toBe(0);
  });
});

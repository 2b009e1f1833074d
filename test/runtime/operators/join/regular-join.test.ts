import { describe, expect, it } from "vitest";
import { RegularJoinOperator } from "../../../../runtime/operators/join/regular-join.js";
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

const ttlRule = (ttl: number): Rule => ({
  late: (t, wm) => t < wm - ttl,
  pairs: (_lt, _rt, earlier, wm) => earlier >= wm - ttl,
});

const make = (c: Case, stateTtl?: number, mp = 16) => new RegularJoinOperator({ ...joinOptions(c, mp), stateTtl });

describe("RegularJoinOperator", { timeout: 60_000 }, () => {
  for (const setup of SETUPS) {
    it(`emits every matching pair once, as a nested-loop reference: ${setup.name}`, () => {
      for (const seed of [1, 2]) {
        const op = expectReference(setup, seed, null, (c) => make(c));
        // Without a TTL nothing is ever dropped, even at the end of input.
        expect(op.bufferedRows().reduce((a, b) => a + b)).toBeGreaterThan(0);
      }
    });

    it(`with stateTtl, drops rows once the watermark passes time + TTL: ${setup.name}`, () => {
      for (const seed of [1, 2]) expectReference(setup, seed, ttlRule(3_000), (c) => make(c, 3_000));
    });
  }

  it("gives the same output after snapshot and restore, with and without a TTL", () => {
    for (const ttl of [undefined, 3_000]) {
      const { c, steps } = scenario(SETUPS[0], 7);
      const fed = materialize(c, steps, 7);
      expectSameAfterRestore(fed, [0, 50, fed.length - 1], () => make(c, ttl));
    }
  });

  it("rescales: key groups split over two subtasks give the same output", () => {
    const { c, steps } = scenario(SETUPS[1], 11);
    const fed = materialize(c, steps, 11);
    const expected = run(make(c), fed);
    const first = make(c);
    const before = run(first, fed, 0, 50);
    const after = rescaled(c, fed, 50, () => make(c), first, 16);
    expect(canonical([...before, ...after])).toEqual(canonical(expected));
  });

  it("compacts its state as rows expire, and stays correct across many distinct strings", () => {
    const c = scenario(SETUPS[0], 1).c;
    const op = make(c, 1_000);
    const rng = new Rng(3);
    let out = 0;
    for (let i = 0; i < 400; i++) {
      const t = i * 100;
      for (const input of [0, 1] as const) {
        const rows = Array.from({ length: 50 }, (_, r) => ({ k: r % 25, kd: "a", t, name: `n-${i}-${r}` }));
        for (const b of op.processBatch(batchOf(input === 0 ? c.left : c.right, rows, rng), input)) {
          out += b.numRows;
          // After many clean-ups, the right rows' strings still read back from the state as written.
          if (i >= 390)
            for (const row of rowsOf(b)) {
              const [, at, r] = /^n-(\d+)-(\d+)$/.exec(row.name as string)!;
              expect([Number(at) * 100, Number(r) % 25, row.kd]).toEqual([row.r_t, row.r_k, "a"]);
            }
        }
      }
      op.processWatermark(t);
    }
    // Under a watermark of t - 100 ms a row meets the other side's rows of its key (2 per batch)
    // from t - 1.1 s on: 11 right batches for a left row, 12 left batches (its own time's too)
    // for a right row; the first 11 steps see the batches so far.
    expect(out).toBe(389 * 50 * 2 * (11 + 12) + 50 * 2 * (55 + 66));
    expect(op.bufferedRows()[0]).toBe(11 * 50);
  });

  it("has no event time in its output, and needs event time only for a TTL", () => {
    const c = scenario(SETUPS[0], 1).c;
    expect(make(c).output.timeField).toBeUndefined();
    const untimed = { ...joinOptions(c), left: { schema: c.left }, right: { schema: c.right } };
    expect(() => new RegularJoinOperator(untimed)).not.toThrow();
    expect(() => new RegularJoinOperator({ ...untimed, stateTtl: 1_000 })).toThrow(/left input has no event-time/);
    expect(() => make(c, 0)).toThrow(/stateTtl must be a positive duration/);
  });
});

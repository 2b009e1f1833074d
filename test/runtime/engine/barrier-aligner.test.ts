import { describe, expect, it } from "vitest";
import { BarrierAligner, type Channel } from "../../../runtime/engine/barrier-aligner.js";
import type { Barrier } from "../../../runtime/engine/exchange-ports.js";

const b = (checkpointId: number, stop = false): Barrier => ({ checkpointId, stop });

function aligner(channels: Channel[]) {
  const aligned: number[] = [];
  const released: string[] = [];
  const abandoned: number[] = [];
  const a = new BarrierAligner(
    channels,
    (x) => aligned.push(x.checkpointId),
    (c) => released.push(`${c.edge}/${c.from}`),
    (id) => abandoned.push(id),
  );
  return { a, aligned, released, abandoned };
}

const two: Channel[] = [
  { edge: 0, from: 0 },
  { edge: 0, from: 1 },
  { edge: 1, from: 0 },
  { edge: 1, from: 1 },
];

describe("barrier alignment", () => {
  it("snapshots once the barrier arrived on every channel of every input edge, then releases them all", () => {
    const { a, aligned, released } = aligner(two);
    a.onBarrier(0, 0, b(1));
    a.onBarrier(1, 1, b(1));
    a.onBarrier(0, 1, b(1));
    expect(aligned).toEqual([]);
    expect(released).toEqual([]);
    a.onBarrier(1, 0, b(1));
    expect(aligned).toEqual([1]);
    expect(released.sort()).toEqual(["0/0", "0/1", "1/0", "1/1"]);
  });

  it("counts ended channels as aligned, and aligns at once when every channel has ended", () => {
    const { a, aligned } = aligner(two);
    a.onEnded(0, 1);
    a.onEnded(1, 1);
    a.onBarrier(0, 0, b(3));
    a.onBarrier(1, 0, b(3));
    expect(aligned).toEqual([3]);
    expect(a.allEnded()).toBe(false);
    a.onEnded(0, 0);
    a.onEnded(1, 0);
    expect(a.allEnded()).toBe(true);
  });

  it("abandons an open alignment when a newer barrier arrives, and ignores stale barriers", () => {
    const { a, aligned, released, abandoned } = aligner(two.slice(0, 2));
    a.onBarrier(0, 0, b(4));
    a.onBarrier(0, 0, b(5)); // checkpoint 4 was given up upstream
    expect(abandoned).toEqual([4]);
    a.onBarrier(0, 1, b(4)); // stale: released at once, does not complete anything
    expect(aligned).toEqual([]);
    expect(released).toContain("0/1");
    a.onBarrier(0, 1, b(5));
    expect(aligned).toEqual([5]);
  });

  it("stops waiting for an aborted checkpoint", () => {
    const { a, aligned, released } = aligner(two.slice(0, 2));
    a.onBarrier(0, 0, b(7));
    a.abort(7);
    expect(released).toEqual(["0/0", "0/1"]);
    a.onBarrier(0, 1, b(7));
    expect(aligned).toEqual([]);
  });
});

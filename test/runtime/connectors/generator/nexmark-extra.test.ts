import { describe, expect, it } from "vitest";
import { AuctionGenerator } from "../../../../runtime/connectors/generator/nexmark-auction.js";
import { BidGenerator } from "../../../../runtime/connectors/generator/nexmark-bid.js";
import { ExtraPadding } from "../../../../runtime/connectors/generator/nexmark-extra.js";
import { PersonGenerator } from "../../../../runtime/connectors/generator/nexmark-person.js";
import { batchRows } from "../../../helpers/collecting-sink.js";

const N = 20_000;
const bytes = (s: unknown) => Buffer.byteLength(s as string);

/** Mean event size as Beam counts it (8 bytes per number or time, strings by length) and the extras. */
function sizes(rows: Record<string, unknown>[], fields: (r: Record<string, unknown>) => number) {
  let total = 0;
  for (const r of rows) total += fields(r) + bytes(r.extra);
  return { mean: total / rows.length, extras: rows.map((r) => r.extra as string) };
}

describe("nexmark extra", () => {
  it("pads bids, auctions and people to Beam's averages of 100, 500 and 200 bytes with lower-case letters", () => {
    const bids = sizes(batchRows(new BidGenerator(3).generate(0, 1, N)), () => 32);
    const auctions = sizes(
      batchRows(new AuctionGenerator(3).generate(0, 1, N)),
      (r) => 48 + bytes(r.itemName) + bytes(r.description),
    );
    const people = sizes(
      batchRows(new PersonGenerator(3).generate(0, 1, N)),
      (r) => 8 + bytes(r.name) + bytes(r.emailAddress) + bytes(r.creditCard) + bytes(r.city) + bytes(r.state),
    );
    for (const [got, want] of [
      [bids, 100],
      [auctions, 500],
      [people, 200],
    ] as const) {
      expect(got.mean).toBeGreaterThan(want * 0.98);
      expect(got.mean).toBeLessThan(want * 1.02);
      expect(got.extras.every((e) => /^[a-z]+$/.test(e))).toBe(true);
      // Not one repeated string: the lengths vary by ±20% and so do the letters.
      expect(new Set(got.extras).size).toBeGreaterThan(100);
    }
  });

  it("gives an event already over the average no padding", () => {
    const padding = new ExtraPadding(100, { min: 32, max: 150 }, 1);
    expect(padding.dictionary.values[padding.key(150, 12345)]).toBe("");
    expect(padding.dictionary.values[padding.key(100, 12345)]).toBe("");
  });

  it("is the same for a seed and differs for another", () => {
    const a = batchRows(new BidGenerator(5).generate(100, 3, 50)).map((r) => r.extra);
    const b = batchRows(new BidGenerator(5).generate(100, 3, 50)).map((r) => r.extra);
    const c = batchRows(new BidGenerator(6).generate(100, 3, 50)).map((r) => r.extra);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

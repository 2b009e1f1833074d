import { describe, expect, it } from "vitest";
import { kindGenerator } from "../../../../runtime/connectors/generator/config.js";
import { BASE_TIME_MS, EVENTS_PER_MS } from "../../../../runtime/connectors/generator/kind.js";
import {
  AUCTION_EVENT,
  BID_EVENT,
  NexmarkEventGenerator,
  PERSON_EVENT,
} from "../../../../runtime/connectors/generator/nexmark-events.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";

/** The combined `nexmark` kind, checked against the Nexmark specification's proportions and ratios. */

const N = 100_000;
const rows = batchRows(new NexmarkEventGenerator(3).generate(0, 1, N));
const ofType = (t: number) => rows.filter((r) => r.event_type === t);
const share = (xs: Row[], pred: (r: Row) => boolean) => xs.filter(pred).length / xs.length;

/** A kind's own columns, unprefixed, from the combined stream's rows of that kind. */
function unprefixed(r: Row, prefix: string): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith(`${prefix}_`)) out[k.slice(prefix.length + 1)] = v;
  out.dateTime = r.dateTime;
  return out;
}

describe("nexmark (persons, auctions and bids in one stream)", () => {
  it("has exactly 1 person, 3 auctions and 46 bids in every 50 events, in that order", () => {
    for (let b = 0; b < N / 50; b++) {
      const types = rows.slice(b * 50, b * 50 + 50).map((r) => r.event_type);
      expect(types).toEqual([PERSON_EVENT, AUCTION_EVENT, AUCTION_EVENT, AUCTION_EVENT, ...Array(46).fill(BID_EVENT)]);
    }
  });

  it("holds the same events as the per-kind sources of the same seed, other kinds' columns null", () => {
    const kinds = [
      ["person", PERSON_EVENT, 2000],
      ["auction", AUCTION_EVENT, 6000],
      ["bid", BID_EVENT, 92_000],
    ] as const;
    for (const [prefix, type, count] of kinds) {
      const own = batchRows(kindGenerator(`nexmark-${prefix}`, 3).generate(0, 1, count));
      const mine = ofType(type);
      expect(mine.map((r) => unprefixed(r, prefix))).toEqual(own);
      const others = Object.keys(mine[0]).filter(
        (k) => k.includes("_") && !k.startsWith(`${prefix}_`) && k !== "event_type",
      );
      expect(mine.every((r) => others.every((k) => r[k] === null))).toBe(true);
    }
  });

  it("gives each event the time of its event id, never going back along a split", () => {
    const gen = new NexmarkEventGenerator(3);
    for (const [split, splits] of [
      [0, 1],
      [1, 3],
      [6, 7],
    ]) {
      const times = batchRows(gen.generate(split, splits, 5000)).map((r) => r.dateTime as number);
      times.forEach((t, j) => {
        expect(t).toBe(BASE_TIME_MS + Math.floor((split + j * splits) / EVENTS_PER_MS));
        if (j > 0) expect(t).toBeGreaterThanOrEqual(times[j - 1]);
      });
    }
  });

  it("is the same for a seed however it is split, and differs for another seed", () => {
    const gen = new NexmarkEventGenerator(3);
    const whole = batchRows(gen.generate(0, 1, 700));
    const parts = [0, 1, 2, 3].map((s) => batchRows(gen.generate(s, 4, 175)));
    expect(whole.map((_, e) => parts[e % 4][Math.floor(e / 4)])).toEqual(whole);
    expect(batchRows(new NexmarkEventGenerator(4).generate(0, 1, 700))).not.toEqual(whole);
  });

  it("has Nexmark's hot auctions, bidders and sellers in their ratios", () => {
    const bids = ofType(BID_EVENT);
    const auctions = ofType(AUCTION_EVENT);
    // hotAuctionRatio 2, hotBiddersRatio 4, hotSellersRatio 4 (1 - 1/ratio hot), plus the 1% of
    // cold draws that land on a hot id by chance.
    const hotAuction = share(bids, (r) => ((r.bid_auction as number) - 1000) % 100 === 0);
    expect(hotAuction).toBeGreaterThan(0.49);
    expect(hotAuction).toBeLessThan(0.52);
    const hotBidder = share(bids, (r) => ((r.bid_bidder as number) - 1000) % 100 === 1);
    expect(hotBidder).toBeGreaterThan(0.74);
    expect(hotBidder).toBeLessThan(0.765);
    const hotSeller = share(auctions, (r) => ((r.auction_seller as number) - 1000) % 100 === 0);
    expect(hotSeller).toBeGreaterThan(0.73);
    expect(hotSeller).toBeLessThan(0.78);
    const hotChannel = share(bids, (r) => !(r.bid_channel as string).startsWith("channel-"));
    expect(hotChannel).toBeGreaterThan(0.49);
    expect(hotChannel).toBeLessThan(0.51);
  });

  it("has Nexmark's value ranges: prices $1 to $1M log-uniform, 5 categories, auctions open for up to 2 turnovers", () => {
    const bids = ofType(BID_EVENT);
    const prices = bids.map((r) => r.bid_price as number).sort((a, b) => a - b);
    expect(prices[0]).toBeGreaterThanOrEqual(100);
    expect(prices[prices.length - 1]).toBeLessThanOrEqual(100_000_000);
    // 10^(6u) dollars: the median is 10^3 dollars and a sixth of the prices lie in each decade.
    expect(prices[Math.floor(prices.length / 2)]).toBeGreaterThan(90_000);
    expect(prices[Math.floor(prices.length / 2)]).toBeLessThan(110_000);
    expect(share(bids, (r) => (r.bid_price as number) < 1000)).toBeGreaterThan(0.16);
    expect(share(bids, (r) => (r.bid_price as number) < 1000)).toBeLessThan(0.175);
    const auctions = ofType(AUCTION_EVENT);
    const categories = new Set(auctions.map((r) => r.auction_category));
    expect([...categories].sort()).toEqual([10, 11, 12, 13, 14]);
    for (const a of auctions) {
      const open = (a.auction_expires as number) - (a.dateTime as number);
      // 100 in-flight auctions turn over every 100 × 50 / 3 events = 166 ms at 10 events per ms.
      expect(open).toBeGreaterThanOrEqual(1);
      expect(open).toBeLessThanOrEqual(2 * 166);
      expect(a.auction_reserve as number).toBeGreaterThanOrEqual(a.auction_initialBid as number);
    }
    const ids = new Set(ofType(PERSON_EVENT).map((r) => r.person_id));
    const known = (id: number) => ids.has(id) || id >= 1000 + ids.size;
    // Bids name people of the last 1000 (or the next 10): every bidder exists or is about to.
    expect(bids.every((r) => known(r.bid_bidder as number))).toBe(true);
  });
});

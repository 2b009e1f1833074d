import { describe, expect, it } from "vitest";
import {
  BURST_WINDOW_MS,
  CardTransactionGenerator,
} from "../../../../runtime/connectors/generator/card-transactions.js";
import { BASE_TIME_MS, EVENTS_PER_MS, MAX_JITTER_MS } from "../../../../runtime/connectors/generator/kind.js";
import { AuctionGenerator } from "../../../../runtime/connectors/generator/nexmark-auction.js";
import { BidGenerator } from "../../../../runtime/connectors/generator/nexmark-bid.js";
import {
  auctionEventId,
  bidEventId,
  lastBase0AuctionId,
  lastBase0PersonId,
  personEventId,
} from "../../../../runtime/connectors/generator/nexmark-ids.js";
import { PersonGenerator } from "../../../../runtime/connectors/generator/nexmark-person.js";
import { batchRows } from "../../../helpers/collecting-sink.js";

const N = 20_000;

describe("nexmark event ids", () => {
  it("interleave 1 person, 3 auctions and 46 bids in every 50 events", () => {
    const ids = [
      ...Array.from({ length: 10 }, (_, k) => personEventId(k)),
      ...Array.from({ length: 30 }, (_, k) => auctionEventId(k)),
      ...Array.from({ length: 460 }, (_, k) => bidEventId(k)),
    ].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});

describe("nexmark-bid", () => {
  const rows = batchRows(new BidGenerator(1).generate(0, 1, N));

  it("bids on auctions and by people that exist by the bid's time (or are just about to)", () => {
    rows.forEach((r, k) => {
      const e = bidEventId(k);
      expect(r.auction as number).toBeGreaterThanOrEqual(1000);
      expect(r.auction as number).toBeLessThanOrEqual(1000 + lastBase0AuctionId(e) + 10);
      expect(r.bidder as number).toBeGreaterThanOrEqual(1000);
      expect(r.bidder as number).toBeLessThanOrEqual(1000 + lastBase0PersonId(e) + 10);
    });
  });

  it("has event times that advance with the event index, jittered by less than MAX_JITTER_MS", () => {
    rows.forEach((r, k) => {
      const nominal = BASE_TIME_MS + Math.floor(bidEventId(k) / EVENTS_PER_MS);
      expect(nominal - (r.dateTime as number)).toBeGreaterThanOrEqual(0);
      expect(nominal - (r.dateTime as number)).toBeLessThan(MAX_JITTER_MS);
    });
  });

  it("sends half the bids to hot auctions, with prices from $1 to $1M", () => {
    const hot = rows.filter((r) => ((r.auction as number) - 1000) % 100 === 0).length;
    expect(hot / N).toBeGreaterThan(0.45);
    expect(hot / N).toBeLessThan(0.6);
    for (const r of rows) {
      expect(r.price as number).toBeGreaterThanOrEqual(100);
      expect(r.price as number).toBeLessThanOrEqual(100_000_000);
    }
  });

  it("takes channel and url from small dictionaries, matching each other", () => {
    const batch = new BidGenerator(1).generate(0, 1, 100);
    expect(String(batch.schema.fields[3].type)).toBe("Dictionary<Int32, Utf8>");
    const channels = new Set(rows.map((r) => r.channel));
    expect(channels.size).toBeLessThanOrEqual(104);
    const hot = rows.filter((r) => ["Google", "Facebook", "Baidu", "Apple"].includes(r.channel as string)).length;
    expect(hot / N).toBeGreaterThan(0.97);
    for (const r of rows.slice(0, 500)) {
      const cold = /^channel-(\d+)$/.exec(r.channel as string);
      if (cold) expect(r.url).toMatch(new RegExp(`channel_id=${cold[1]}$`));
    }
    expect(rows.every((r) => r.extra === "")).toBe(true);
  });
});

describe("nexmark-person and nexmark-auction", () => {
  it("number people and auctions from 1000 in event order", () => {
    const people = batchRows(new PersonGenerator(1).generate(0, 1, 100));
    expect(people.map((p) => p.id)).toEqual(Array.from({ length: 100 }, (_, k) => 1000 + k));
    for (const p of people) {
      expect(p.emailAddress).toMatch(/^[a-z]{7}@[a-z]{5}\.com$/);
      expect(p.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(p.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    }
    const auctions = batchRows(new AuctionGenerator(1).generate(0, 1, 100));
    expect(auctions.map((a) => a.id)).toEqual(Array.from({ length: 100 }, (_, k) => 1000 + k));
    auctions.forEach((a, k) => {
      expect(a.expires as number).toBeGreaterThan(a.dateTime as number);
      expect(a.reserve as number).toBeGreaterThanOrEqual(a.initialBid as number);
      expect(a.category as number).toBeGreaterThanOrEqual(10);
      expect(a.category as number).toBeLessThan(15);
      expect(a.seller as number).toBeLessThanOrEqual(1000 + lastBase0PersonId(auctionEventId(k)) + 10);
      expect((a.itemName as string).length).toBeGreaterThanOrEqual(3);
    });
  });
});

describe("card-transactions", () => {
  const gen = new CardTransactionGenerator(5);
  const rows = batchRows(gen.generate(0, 1, 200_000));

  it("has a small share of large amounts and foreign countries", () => {
    const large = rows.filter((r) => (r.amount as number) >= 2000).length / rows.length;
    expect(large).toBeGreaterThan(0.002);
    expect(large).toBeLessThan(0.005);
    const foreign = rows.filter((r) =>
      ["NG", "RU", "BR", "CN", "RO", "UA", "VN", "ID"].includes(r.country as string),
    ).length;
    expect(foreign / rows.length).toBeGreaterThan(0.007);
    expect(foreign / rows.length).toBeLessThan(0.014);
    const cents = (x: number) => Math.abs(Math.round(x * 100) - x * 100) < 1e-6;
    expect(rows.every((r) => (r.amount as number) >= 1 && cents(r.amount as number))).toBe(true);
  });

  it("has one card per 10 s window that bursts far above an ordinary card", () => {
    const windowOf = (r: (typeof rows)[number]) => Math.floor((r.ts as number) / BURST_WINDOW_MS);
    const perCardWindow = new Map<string, number>();
    for (const r of rows) {
      const key = `${r.card_id}/${windowOf(r)}`;
      perCardWindow.set(key, (perCardWindow.get(key) ?? 0) + 1);
    }
    const burst = gen.burstCard(0);
    const burstCount = rows.filter((r) => r.card_id === burst && (r.tx_id as number) < 100_000).length;
    expect(burstCount).toBeGreaterThan(100);
    const bursting = new Set([gen.burstCard(0), gen.burstCard(100_000)]);
    const ordinary = [...perCardWindow.entries()]
      .filter(([k]) => !bursting.has(Number(k.split("/")[0])))
      .map(([, n]) => n);
    expect(ordinary.reduce((m, n) => Math.max(m, n), 0)).toBeLessThan(15);
  });
});

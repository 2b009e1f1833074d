import { describe, expect, it } from "vitest";
import {
  BURST_WINDOW_MS,
  CardTransactionGenerator,
} from "../../../../runtime/connectors/generator/card-transactions.js";
import { BASE_TIME_MS, EVENTS_PER_MS } from "../../../../runtime/connectors/generator/kind.js";
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

  it("has the event time of its event id: 10 events per ms, never going back", () => {
    rows.forEach((r, k) => {
      expect(r.dateTime).toBe(BASE_TIME_MS + Math.floor(bidEventId(k) / EVENTS_PER_MS));
      if (k > 0) expect(r.dateTime as number).toBeGreaterThanOrEqual(rows[k - 1].dateTime as number);
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

  it("takes channel and url from dictionaries of Nexmark's 4 hot and 10,000 cold channels, matching each other", () => {
    const batch = new BidGenerator(1).generate(0, 1, 100);
    expect(String(batch.schema.fields[3].type)).toBe("Dictionary<Int32, Utf8>");
    const channels = new Set(rows.map((r) => r.channel));
    expect(channels.size).toBeLessThanOrEqual(10_004);
    const hot = rows.filter((r) => ["Google", "Facebook", "Baidu", "Apple"].includes(r.channel as string)).length;
    expect(hot / N).toBeGreaterThan(0.48);
    expect(hot / N).toBeLessThan(0.52);
    const reverse = (x: number) => {
      let r = 0;
      for (let i = 0; i < 32; i++) r = (r << 1) | ((x >>> i) & 1);
      return Math.abs(r | 0);
    };
    let withId = 0;
    let cold = 0;
    for (const r of rows) {
      expect(r.url).toMatch(/^https:\/\/www\.nexmark\.com\/[a-z_]{3,4}\/[a-z_]{3,4}\/[a-z_]{3,4}\/item\.htm\?query=1/);
      const c = /^channel-(\d+)$/.exec(r.channel as string);
      if (!c) continue;
      cold++;
      const id = /&channel_id=(\d+)$/.exec(r.url as string);
      if (id) {
        withId++;
        expect(Number(id[1])).toBe(reverse(Number(c[1])));
      }
    }
    expect(withId / cold).toBeGreaterThan(0.85);
    expect(withId / cold).toBeLessThan(0.95);
    // Padding to Beam's 100-byte average: 100 - 32 bytes of fields, ±20%.
    expect(rows.every((r) => /^[a-z]{54,81}$/.test(r.extra as string))).toBe(true);
  });
});

describe("nexmark-person and nexmark-auction", () => {
  it("number people and auctions from 1000 in event order", () => {
    const people = batchRows(new PersonGenerator(1).generate(0, 1, 100));
    expect(people.map((p) => p.id)).toEqual(Array.from({ length: 100 }, (_, k) => 1000 + k));
    for (const p of people) {
      // Nexmark's nextString(7) and nextString(5): 3 to 6 and 3 to 4 characters, a few spaces inside.
      expect(p.emailAddress).toMatch(/^[a-z]([a-z ]{0,4}[a-z])?@[a-z]([a-z ]{0,2}[a-z])?\.com$/);
      expect(p.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(p.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    }
    const auctions = batchRows(new AuctionGenerator(1).generate(0, 1, 100));
    expect(auctions.filter((a) => (a.itemName as string).length >= 3).length).toBeGreaterThanOrEqual(90);
    expect(auctions.map((a) => a.id)).toEqual(Array.from({ length: 100 }, (_, k) => 1000 + k));
    auctions.forEach((a, k) => {
      expect(a.expires as number).toBeGreaterThan(a.dateTime as number);
      expect(a.reserve as number).toBeGreaterThanOrEqual(a.initialBid as number);
      expect(a.category as number).toBeGreaterThanOrEqual(10);
      expect(a.category as number).toBeLessThan(15);
      expect(a.seller as number).toBeLessThanOrEqual(1000 + lastBase0PersonId(auctionEventId(k)) + 10);
      // nextString(20) and nextString(100): 3 to 19 and 99 characters before Java's trim().
      expect(a.itemName).toMatch(/^[a-z]([a-z ]{0,17}[a-z])?$/);
      expect(a.description).toMatch(/^[a-z]([a-z ]{0,97}[a-z])?$/);
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

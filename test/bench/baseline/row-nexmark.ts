/**
 * The row-at-a-time baseline: the same Nexmark queries written the way a record-at-a-time engine
 * runs them, one JS object per event, generation included. The benchmark runs it in the same
 * process as the columnar engine so the speed-up is a ratio measured side by side.
 */

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

const CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
const URLS = CHANNELS.map((c) => `https://www.nexmark.com/${c.toLowerCase()}/item.htm?query=1`);

/** Deterministic xorshift generator of bid objects (hot auctions and bidders like Nexmark's). */
export function* bids(count: number, seed: number): Generator<Bid> {
  let s = seed | 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const start = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    const hot = rnd() < 0.9;
    const c = (rnd() * 4) | 0;
    yield {
      auction: hot ? 1000 + ((rnd() * 100) | 0) : 1000 + ((i / 50) | 0),
      bidder: hot ? 2000 + ((rnd() * 1000) | 0) : 2000 + ((i / 10) | 0),
      price: 100 + ((rnd() * 10_000) | 0),
      channel: CHANNELS[c],
      url: URLS[c],
      dateTime: start + i * 0.1 - ((rnd() * 200) | 0),
      extra: "",
    };
  }
}

export type Query = (count: number) => number;

/** q0: pass-through. Returns the number of output rows. */
export const q0: Query = (count) => {
  const out: Bid[] = [];
  let n = 0;
  for (const b of bids(count, 1)) {
    out.push(b);
    if (out.length === 8192) (n += out.length), (out.length = 0);
  }
  return n + out.length;
};

/** q1: projection with a currency conversion. */
export const q1: Query = (count) => {
  let n = 0;
  let out: object[] = [];
  for (const b of bids(count, 1)) {
    out.push({ auction: b.auction, bidder: b.bidder, price_eur: b.price * 0.908, dateTime: b.dateTime });
    if (out.length === 8192) (n += out.length), (out = []);
  }
  return n + out.length;
};

/** q2: selection. */
export const q2: Query = (count) => {
  let n = 0;
  for (const b of bids(count, 1)) if (b.auction % 123 === 0) n++;
  return n;
};

/** q7-style: max price and count per auction per 10 s tumbling window, fired by watermark. */
export const q7: Query = (count) => {
  const size = 10_000;
  const windows = new Map<number, Map<number, { max: number; count: number }>>();
  let watermark = -Infinity;
  let maxTs = -Infinity;
  let out = 0;
  const fire = (wm: number) => {
    for (const [start, groups] of windows)
      if (start + size <= wm) {
        out += groups.size;
        windows.delete(start);
      }
  };
  let i = 0;
  for (const b of bids(count, 1)) {
    const start = b.dateTime - (b.dateTime % size);
    if (start + size <= watermark) continue;
    let g = windows.get(start);
    if (!g) windows.set(start, (g = new Map()));
    const acc = g.get(b.auction);
    if (acc) {
      acc.count++;
      if (b.price > acc.max) acc.max = b.price;
    } else g.set(b.auction, { max: b.price, count: 1 });
    if (b.dateTime > maxTs) maxTs = b.dateTime;
    if (++i % 8192 === 0) fire((watermark = maxTs - 1000));
  }
  fire(Infinity);
  return out;
};

export const ROW_QUERIES: Record<string, Query> = { q0, q1, q2, q7 };

import { chain, filterOp, mapOp, type Row, type RowOperator, tumblingOp, windowJoinOp } from "./row-engine.js";
import { events, personsAndAuctions } from "./row-generator.js";

/** The benchmark's Nexmark queries on the row engine; each returns the number of output rows. */

const WATERMARK_EVERY = 8192;

function runBids(count: number, ops: RowOperator[], outOfOrderMs = 1000): number {
  const c = chain(ops);
  let i = 0;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (const b of events("nexmark-bid", count)) {
    c.push(b);
    const ts = b.dateTime as number;
    if (ts > maxTs) maxTs = ts;
    if (++i % WATERMARK_EVERY === 0) c.watermark(maxTs - outOfOrderMs);
  }
  c.watermark(Number.POSITIVE_INFINITY);
  return c.count();
}

export const ROW_QUERIES: Record<string, (count: number) => number> = {
  q0: (n) => runBids(n, []),
  q1: (n) =>
    runBids(n, [
      mapOp((b) => ({
        auction: b.auction,
        bidder: b.bidder,
        price_eur: (b.price as number) * 0.908,
        dateTime: b.dateTime,
      })),
    ]),
  q2: (n) =>
    runBids(n, [
      filterOp((b) => (b.auction as number) % 123 === 0),
      mapOp((b) => ({ auction: b.auction, price: b.price })),
    ]),
  q7: (n) =>
    runBids(n, [
      tumblingOp<{ max: number; count: number }>({
        size: 10_000,
        time: "dateTime",
        key: "auction",
        init: () => ({ max: Number.NEGATIVE_INFINITY, count: 0 }),
        add: (acc, r) => {
          acc.count++;
          if ((r.price as number) > acc.max) acc.max = r.price as number;
        },
        result: (k, start, acc): Row => ({
          auction: k,
          window_start: start,
          window_end: start + 10_000,
          max_price: acc.max,
          bids: acc.count,
        }),
      }),
    ]),
  q8: (n) => {
    const c = chain([
      windowJoinOp({ size: 10_000, time: ["dateTime", "dateTime"], key: ["id", "seller"] }),
      mapOp((r) => ({ id: r.id, name: r.name, window_start: r.window_start })),
    ]);
    let i = 0;
    let maxTs = Number.NEGATIVE_INFINITY;
    for (const [row, input] of personsAndAuctions(Math.floor(n / 4), n - Math.floor(n / 4))) {
      c.push(row, input);
      if ((row.dateTime as number) > maxTs) maxTs = row.dateTime as number;
      if (++i % WATERMARK_EVERY === 0) c.watermark(maxTs - 1000);
    }
    c.watermark(Number.POSITIVE_INFINITY);
    return c.count();
  },
};

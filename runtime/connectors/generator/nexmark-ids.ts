/**
 * The Nexmark id model (after Beam's NexmarkGenerator and nexmark-flink): one interleaved stream of
 * events in which every 50 consecutive event ids are 1 person, 3 auctions and 46 bids. Each kind
 * here (`nexmark-person`, `-auction`, `-bid`) is that kind's events of the same stream, so ids line
 * up across the three: a bid names auctions and people that exist (or are about to) at its time.
 */

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
/** Auctions still open that bids pick from, and how far ahead of the newest a bid may name. */
export const NUM_IN_FLIGHT_AUCTIONS = 100;
export const AUCTION_ID_LEAD = 10;
export const NUM_ACTIVE_PEOPLE = 1000;
export const PERSON_ID_LEAD = 10;
/** Hot ids are multiples of this (so "hot" auctions and people recur). */
export const HOT_ID_RATIO = 100;
/** Nexmark's defaults: 1 in 2 bids go to a hot auction, 3 in 4 come from a hot bidder / seller. */
export const HOT_AUCTION_RATIO = 2;
export const HOT_BIDDER_RATIO = 4;
export const HOT_SELLER_RATIO = 4;

/** Global event id of the k-th person, auction and bid. */
export function personEventId(k: number): number {
  return k * TOTAL_PROPORTION;
}
export function auctionEventId(k: number): number {
  const epoch = Math.floor(k / AUCTION_PROPORTION);
  return epoch * TOTAL_PROPORTION + PERSON_PROPORTION + (k - epoch * AUCTION_PROPORTION);
}
export function bidEventId(k: number): number {
  const epoch = Math.floor(k / BID_PROPORTION);
  return epoch * TOTAL_PROPORTION + PERSON_PROPORTION + AUCTION_PROPORTION + (k - epoch * BID_PROPORTION);
}

/** Base-0 id of the newest person at or before event id e. */
export function lastBase0PersonId(e: number): number {
  const epoch = Math.floor(e / TOTAL_PROPORTION);
  let offset = e - epoch * TOTAL_PROPORTION;
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
  return epoch * PERSON_PROPORTION + offset;
}

/** Base-0 id of the newest auction at or before event id e. */
export function lastBase0AuctionId(e: number): number {
  let epoch = Math.floor(e / TOTAL_PROPORTION);
  let offset = e - epoch * TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** A random recent auction (base 0), u uniform in [0, 1). */
export function nextBase0AuctionId(e: number, u: number): number {
  const maxAuction = lastBase0AuctionId(e);
  const minAuction = Math.max(maxAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
  return minAuction + Math.floor(u * (maxAuction - minAuction + 1 + AUCTION_ID_LEAD));
}

/** A random active person (base 0), u uniform in [0, 1). */
export function nextBase0PersonId(e: number, u: number): number {
  const numPeople = lastBase0PersonId(e) + 1;
  const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
  return numPeople - active + Math.floor(u * (active + PERSON_ID_LEAD));
}

/** Nexmark's price: 10^(6u) × 100 cents, i.e. $1 to $1M, log-uniform. */
export function nextPrice(u: number): number {
  return Math.round(Math.exp(u * LN_1E6) * 100);
}
const LN_1E6 = Math.log(1e6);

/**
 * nextPrice at 2^16 evenly spaced u: a table lookup per event instead of an exp (prices are still
 * log-uniform, on a grid fine enough that no query can tell).
 */
export const PRICE_TABLE: Float64Array = (() => {
  const t = new Float64Array(65536);
  for (let i = 0; i < t.length; i++) t[i] = nextPrice((i + 0.5) / 65536);
  return t;
})();

import type { Data, RecordBatch } from "apache-arrow";
import { FixedDictionary, Int64Writer, nexmarkString, setInt64 } from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS } from "./kind.js";
import { ExtraPadding, extraKeyTable } from "./nexmark-extra.js";
import {
  AUCTION_ID_LEAD,
  AUCTION_PROPORTION,
  BID_PROPORTION,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  HOT_ID_RATIO,
  NUM_ACTIVE_PEOPLE,
  NUM_IN_FLIGHT_AUCTIONS,
  PERSON_ID_LEAD,
  PERSON_PROPORTION,
  PRICE_TABLE,
  TOTAL_PROPORTION,
} from "./nexmark-ids.js";
import { NexmarkKindGenerator } from "./nexmark-kind.js";
import { eventHash, mix32, nextHash, seedKey, unit } from "./rng.js";

const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
/** Nexmark's cold channels, `channel-0` to `channel-9999`; half the bids come through a hot one. */
const COLD_CHANNELS = 10_000;
/** Where an epoch's bids start among its 50 event ids. */
const BID_OFFSET = PERSON_PROPORTION + AUCTION_PROPORTION;
/** Beam's average bid size, and a bid's size before padding (auction, bidder, price, dateTime). */
const BID_BYTES = 100;
const BID_FIELD_BYTES = 32;

/** A Nexmark item url: three random path parts of 3 or 4 characters (`_` as the odd character). */
function baseUrl(h: number): string {
  const part = (s: number) => nexmarkString(nextHash(h, s), 5, "_");
  return `https://www.nexmark.com/${part(1)}/${part(2)}/${part(3)}/item.htm?query=1`;
}

/** Java's Integer.reverse (bit order of a 32-bit int reversed), as Nexmark numbers its channel ids. */
function reverseBits(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((x >>> i) & 1);
  return r | 0;
}

/**
 * Every channel and its url, made once (the same for every seed, like Nexmark's cache): hot
 * channels have a plain url; 9 in 10 cold channels carry `&channel_id=` (q21 extracts it).
 */
const CHANNELS = (() => {
  const channels = [...HOT_CHANNELS];
  const urls = HOT_CHANNELS.map((_, i) => baseUrl(mix32(0x7f4a7c15 + i)));
  for (let i = 0; i < COLD_CHANNELS; i++) {
    const h = mix32(0x2545f491 ^ i);
    channels.push(`channel-${i}`);
    const id = (h & 0xffff) % 10 !== 0 ? `&channel_id=${Math.abs(reverseBits(i))}` : "";
    urls.push(`${baseUrl(h)}${id}`);
  }
  return { channels, urls };
})();

/** The epoch (of 50 events) of bid index k: every epoch holds 46 bids after 1 person and 3 auctions. */
function epochOf(k: number): number {
  return Math.floor(k / BID_PROPORTION);
}

/** Half the bids go to the newest hot auction, the others to one of the last 100 (or up to 10 ahead). */
function auctions(ks: Float64Array, h: Int32Array, h1: Int32Array): Int64Writer {
  const n = ks.length;
  const out = new Int64Writer(n);
  const v32 = out.v32;
  for (let j = 0; j < n; j++) {
    // lastBase0AuctionId for a bid: the newest auction is 3 × epoch + 2.
    const maxAuction = epochOf(ks[j]) * AUCTION_PROPORTION + AUCTION_PROPORTION - 1;
    let a: number;
    if ((h[j] & 1) !== 0) a = Math.floor(maxAuction / HOT_ID_RATIO) * HOT_ID_RATIO;
    else {
      const minAuction = Math.max(maxAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
      a = minAuction + Math.floor(((h1[j] & 0xffff) / 65536) * (maxAuction - minAuction + 1 + AUCTION_ID_LEAD));
    }
    setInt64(v32, j, a + FIRST_AUCTION_ID);
  }
  return out;
}

/** 3 in 4 bids come from the newest hot bidder, the others from the last 1,000 people (or up to 10 ahead). */
function bidders(ks: Float64Array, h: Int32Array): Int64Writer {
  const n = ks.length;
  const out = new Int64Writer(n);
  const v32 = out.v32;
  for (let j = 0; j < n; j++) {
    // lastBase0PersonId for a bid: the newest person is the epoch's.
    const epoch = epochOf(ks[j]);
    let b: number;
    if (((h[j] >>> 1) & 3) !== 0) b = Math.floor(epoch / HOT_ID_RATIO) * HOT_ID_RATIO + 1;
    else {
      const numPeople = epoch + 1;
      const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
      b = numPeople - active + Math.floor(unit(nextHash(h[j], 2)) * (active + PERSON_ID_LEAD));
    }
    setInt64(v32, j, b + FIRST_PERSON_ID);
  }
  return out;
}

function prices(h1: Int32Array, n: number): Int64Writer {
  const out = new Int64Writer(n);
  const v32 = out.v32;
  for (let j = 0; j < n; j++) setInt64(v32, j, PRICE_TABLE[h1[j] >>> 16]);
  return out;
}

/** Event id of bid k (bidEventId) at 10 events per ms of event time. */
function times(ks: Float64Array): Int64Writer {
  const n = ks.length;
  const out = new Int64Writer(n, "timestamp[ms]");
  const v32 = out.v32;
  for (let j = 0; j < n; j++) {
    const k = ks[j];
    const epoch = epochOf(k);
    const e = epoch * TOTAL_PROPORTION + BID_OFFSET + (k - epoch * BID_PROPORTION);
    setInt64(v32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS));
  }
  return out;
}

/**
 * Bit 3 picks a hot channel (1 in 2, HOT_CHANNELS_RATIO = 2), bits 4-5 which one, and the 26 bits
 * above them a cold one (the bias of % 10,000 on 2^26 is below 0.02%).
 */
function channelsOf(h: Int32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const x = h[j];
    out[j] = ((x >>> 3) & 1) !== 0 ? (x >>> 4) & 3 : HOT_CHANNELS.length + ((x >>> 6) % COLD_CHANNELS);
  }
  return out;
}

/** A bid's columns, in schema order. */
const BID_COLUMNS = ["auction", "bidder", "price", "channel", "url", "dateTime", "extra"] as const;

/**
 * `nexmark-bid`: auction, bidder, price, channel, url, dateTime, extra; or only `columns` of them
 * (in that order). Every value is a hash of the seed and the event index, so leaving a column out
 * changes no other: a job that reads three of the seven columns skips the work of the other four.
 */
export class BidGenerator extends NexmarkKindGenerator {
  private readonly channel: FixedDictionary;
  private readonly url: FixedDictionary;
  private readonly extra: ExtraPadding;
  /** Each 16-bit hash's padding key; made when a batch first needs the extra column. */
  private extraKeys: Int32Array | null = null;
  private readonly wanted: ReadonlySet<string>;
  /** Each event's root hash and its first derived hash, reused from batch to batch. */
  private h = new Int32Array(0);
  private h1 = new Int32Array(0);

  constructor(seed: number, columns: readonly string[] = BID_COLUMNS) {
    const channel = new FixedDictionary(CHANNELS.channels);
    const url = new FixedDictionary(CHANNELS.urls);
    const extra = new ExtraPadding(BID_BYTES, { min: BID_FIELD_BYTES, max: BID_FIELD_BYTES }, seedKey(seed));
    const all = {
      auction: "int64",
      bidder: "int64",
      price: "int64",
      channel,
      url,
      dateTime: "timestamp[ms]",
      extra: extra.dictionary,
    } as const;
    super(seed, "dateTime", Object.fromEntries(BID_COLUMNS.filter((c) => columns.includes(c)).map((c) => [c, all[c]])));
    this.channel = channel;
    this.url = url;
    this.extra = extra;
    this.wanted = new Set(columns);
  }

  generateAt(ks: Float64Array): RecordBatch {
    const n = ks.length;
    const want = (c: string) => this.wanted.has(c);
    if (this.h.length < n) {
      this.h = new Int32Array(n);
      this.h1 = new Int32Array(n);
    }
    const { h, h1 } = this;
    const key = this.key;
    // Low bits of the root hash make the small choices; h1 gives the price (high half) and the
    // cold auction draw (low half); the rarer cold bidder draw gets its own hash. Each column is
    // then one small loop over the hashes, run only when the column is wanted.
    for (let j = 0; j < n; j++) {
      h[j] = eventHash(key, ks[j]);
      h1[j] = nextHash(h[j], 1);
    }
    const auction = want("auction") ? auctions(ks, h, h1) : null;
    const bidder = want("bidder") ? bidders(ks, h) : null;
    const price = want("price") ? prices(h1, n) : null;
    const time = want("dateTime") ? times(ks) : null;
    const channelKeys = want("channel") || want("url") ? channelsOf(h, n) : null;
    let extraKeys: Int32Array | null = null;
    if (want("extra")) {
      extraKeys = new Int32Array(n);
      const table = (this.extraKeys ??= extraKeyTable(this.extra, BID_FIELD_BYTES));
      for (let j = 0; j < n; j++) extraKeys[j] = table[nextHash(h[j], 3) >>> 16];
    }
    const columns: Record<string, () => Data> = {
      auction: () => auction!.finish(),
      bidder: () => bidder!.finish(),
      price: () => price!.finish(),
      channel: () => this.channel.column(channelKeys!),
      // Channel i's url is url i: the two columns share their keys.
      url: () => this.url.column(channelKeys!),
      dateTime: () => time!.finish(),
      extra: () => this.extra.dictionary.column(extraKeys!),
    };
    return this.batch(
      this.schema.fields.map((f) => columns[f.name]!()),
      n,
    );
  }
}

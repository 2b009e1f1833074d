import type { RecordBatch } from "apache-arrow";
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

/** `nexmark-bid`: auction, bidder, price, channel, url, dateTime, extra. */
export class BidGenerator extends NexmarkKindGenerator {
  private readonly channel: FixedDictionary;
  private readonly url: FixedDictionary;
  private readonly extra: ExtraPadding;
  private readonly extraKeys: Int32Array;

  constructor(seed: number) {
    const channel = new FixedDictionary(CHANNELS.channels);
    const url = new FixedDictionary(CHANNELS.urls);
    const extra = new ExtraPadding(BID_BYTES, { min: BID_FIELD_BYTES, max: BID_FIELD_BYTES }, seedKey(seed));
    super(seed, "dateTime", {
      auction: "int64",
      bidder: "int64",
      price: "int64",
      channel,
      url,
      dateTime: "timestamp[ms]",
      extra: extra.dictionary,
    });
    this.channel = channel;
    this.url = url;
    this.extra = extra;
    this.extraKeys = extraKeyTable(extra, BID_FIELD_BYTES);
  }

  generateAt(ks: Float64Array): RecordBatch {
    const n = ks.length;
    const auction = new Int64Writer(n);
    const bidder = new Int64Writer(n);
    const price = new Int64Writer(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    const channelKeys = new Int32Array(n);
    const extraKeys = new Int32Array(n);
    const extraTable = this.extraKeys;
    const a32 = auction.v32;
    const b32 = bidder.v32;
    const p32 = price.v32;
    const t32 = time.v32;
    const key = this.key;
    for (let j = 0; j < n; j++) {
      const k = ks[j];
      // bidEventId, lastBase0AuctionId and lastBase0PersonId written out for a bid: every bid of
      // epoch (46 bids) comes after the epoch's person and 3 auctions, so the newest auction is
      // 3 × epoch + 2 and the newest person is epoch.
      const epoch = Math.floor(k / BID_PROPORTION);
      const e = epoch * TOTAL_PROPORTION + BID_OFFSET + (k - epoch * BID_PROPORTION);
      const h = eventHash(key, k);
      // Low bits of the root hash make the small choices; h1 gives the price (high half) and the
      // cold auction draw (low half); the rarer cold bidder draw gets its own hash.
      const h1 = nextHash(h, 1);
      const maxAuction = epoch * AUCTION_PROPORTION + AUCTION_PROPORTION - 1;
      let a: number;
      if ((h & 1) !== 0) a = Math.floor(maxAuction / HOT_ID_RATIO) * HOT_ID_RATIO;
      else {
        const minAuction = Math.max(maxAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
        a = minAuction + Math.floor(((h1 & 0xffff) / 65536) * (maxAuction - minAuction + 1 + AUCTION_ID_LEAD));
      }
      setInt64(a32, j, a + FIRST_AUCTION_ID);
      let b: number;
      if (((h >>> 1) & 3) !== 0) b = Math.floor(epoch / HOT_ID_RATIO) * HOT_ID_RATIO + 1;
      else {
        const numPeople = epoch + 1;
        const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
        b = numPeople - active + Math.floor(unit(nextHash(h, 2)) * (active + PERSON_ID_LEAD));
      }
      setInt64(b32, j, b + FIRST_PERSON_ID);
      setInt64(p32, j, PRICE_TABLE[h1 >>> 16]);
      // Bit 3 picks a hot channel (1 in 2, HOT_CHANNELS_RATIO = 2), bits 4-5 which one, and the
      // 26 bits above them a cold one (the bias of % 10,000 on 2^26 is below 0.02%).
      channelKeys[j] = ((h >>> 3) & 1) !== 0 ? (h >>> 4) & 3 : HOT_CHANNELS.length + ((h >>> 6) % COLD_CHANNELS);
      setInt64(t32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS));
      extraKeys[j] = extraTable[nextHash(h, 3) >>> 16];
    }
    return this.batch(
      [
        auction.finish(),
        bidder.finish(),
        price.finish(),
        this.channel.column(channelKeys),
        // Channel i's url is url i: the two columns share their keys.
        this.url.column(channelKeys),
        time.finish(),
        this.extra.dictionary.column(extraKeys),
      ],
      n,
    );
  }
}

import type { RecordBatch } from "apache-arrow";
import { emptyUtf8, FixedDictionary, Int64Writer, setInt64 } from "./columns.js";
import { EventGenerator } from "./event-generator.js";
import { BASE_TIME_MS, EVENTS_PER_MS, MAX_JITTER_MS } from "./kind.js";
import {
  bidEventId,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  HOT_ID_RATIO,
  lastBase0AuctionId,
  lastBase0PersonId,
  nextBase0AuctionId,
  nextBase0PersonId,
  PRICE_TABLE,
} from "./nexmark-ids.js";
import { eventHash, nextHash, unit } from "./rng.js";

const HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"];
/** Nexmark has 10,000 cold channels; a small set keeps channel/url low-cardinality dictionaries. */
const COLD_CHANNELS = 100;
/** 99 in 100 bids come through a hot channel. */
const HOT_CHANNEL_RATIO = 100;

function channelValues(): { channels: string[]; urls: string[] } {
  const channels = [...HOT_CHANNELS];
  const urls = HOT_CHANNELS.map((_, i) => `https://www.nexmark.com/hot/item${i}/item.htm?query=1`);
  for (let i = 0; i < COLD_CHANNELS; i++) {
    channels.push(`channel-${i}`);
    urls.push(`https://www.nexmark.com/cold/item${i}/item.htm?query=1&channel_id=${i}`);
  }
  return { channels, urls };
}

/** `nexmark-bid`: auction, bidder, price, channel, url, dateTime, extra. */
export class BidGenerator extends EventGenerator {
  private readonly channel: FixedDictionary;
  private readonly url: FixedDictionary;

  constructor(seed: number) {
    const { channels, urls } = channelValues();
    const channel = new FixedDictionary(channels);
    const url = new FixedDictionary(urls);
    super(seed, "dateTime", {
      auction: "int64",
      bidder: "int64",
      price: "int64",
      channel,
      url,
      dateTime: "timestamp[ms]",
      extra: "utf8",
    });
    this.channel = channel;
    this.url = url;
  }

  generate(first: number, step: number, n: number): RecordBatch {
    const auction = new Int64Writer(n);
    const bidder = new Int64Writer(n);
    const price = new Int64Writer(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    const channelKeys = new Int32Array(n);
    const a32 = auction.v32;
    const b32 = bidder.v32;
    const p32 = price.v32;
    const t32 = time.v32;
    const key = this.key;
    for (let j = 0; j < n; j++) {
      const k = first + j * step;
      const e = bidEventId(k);
      const h = eventHash(key, k);
      // Low bits of the root hash make the small choices; h1 gives the price (high half) and the
      // cold auction draw (low half); the rarer cold bidder draw gets its own hash.
      const h1 = nextHash(h, 1);
      const a =
        (h & 1) !== 0
          ? Math.floor(lastBase0AuctionId(e) / HOT_ID_RATIO) * HOT_ID_RATIO
          : nextBase0AuctionId(e, (h1 & 0xffff) / 65536);
      setInt64(a32, j, a + FIRST_AUCTION_ID);
      const b =
        ((h >>> 1) & 3) !== 0
          ? Math.floor(lastBase0PersonId(e) / HOT_ID_RATIO) * HOT_ID_RATIO + 1
          : nextBase0PersonId(e, unit(nextHash(h, 2)));
      setInt64(b32, j, b + FIRST_PERSON_ID);
      setInt64(p32, j, PRICE_TABLE[h1 >>> 16]);
      channelKeys[j] =
        (h >>> 3) % HOT_CHANNEL_RATIO !== 0 ? (h >>> 10) & 3 : HOT_CHANNELS.length + ((h >>> 12) % COLD_CHANNELS);
      setInt64(t32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS) - ((h >>> 20) % MAX_JITTER_MS));
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
        emptyUtf8(n),
      ],
      n,
    );
  }
}

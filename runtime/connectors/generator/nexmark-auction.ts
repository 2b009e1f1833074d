import type { RecordBatch } from "apache-arrow";
import { Int64Writer, setInt64, Utf8Writer, writeNexmarkString } from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS } from "./kind.js";
import { ExtraPadding } from "./nexmark-extra.js";
import {
  AUCTION_PROPORTION,
  auctionEventId,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  HOT_ID_RATIO,
  HOT_SELLER_RATIO,
  lastBase0PersonId,
  NUM_CATEGORIES,
  NUM_IN_FLIGHT_AUCTIONS,
  nextBase0PersonId,
  PRICE_TABLE,
  TOTAL_PROPORTION,
} from "./nexmark-ids.js";
import { NexmarkKindGenerator } from "./nexmark-kind.js";
import { eventHash, nextHash, seedKey, unit } from "./rng.js";

/** nextString(20) and nextString(100): up to 19 and 99 characters. */
const ITEM_NAME_MAX = 20;
const DESCRIPTION_MAX = 100;
/**
 * Nexmark's auction length: uniform in [1, 2 × the event time it takes for the in-flight auctions
 * to turn over], so about NUM_IN_FLIGHT_AUCTIONS auctions are open at any time.
 */
/** Beam's average auction size, and its fixed fields' bytes (id, initialBid, reserve, dateTime, expires, seller). */
const AUCTION_BYTES = 500;
const AUCTION_FIELD_BYTES = 48;
const AUCTION_HORIZON_MS = Math.floor((NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION / EVENTS_PER_MS);

/** `nexmark-auction`: id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra. */
export class AuctionGenerator extends NexmarkKindGenerator {
  private readonly extra: ExtraPadding;

  constructor(seed: number) {
    const extra = new ExtraPadding(
      AUCTION_BYTES,
      { min: AUCTION_FIELD_BYTES, max: AUCTION_FIELD_BYTES + ITEM_NAME_MAX + DESCRIPTION_MAX },
      seedKey(seed),
    );
    super(seed, "dateTime", {
      id: "int64",
      itemName: "utf8",
      description: "utf8",
      initialBid: "int64",
      reserve: "int64",
      dateTime: "timestamp[ms]",
      expires: "timestamp[ms]",
      seller: "int64",
      category: "int64",
      extra: extra.dictionary,
    });
    this.extra = extra;
  }

  generateAt(ks: Float64Array): RecordBatch {
    const n = ks.length;
    const id = new Int64Writer(n);
    const initialBid = new Int64Writer(n);
    const reserve = new Int64Writer(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    const expires = new Int64Writer(n, "timestamp[ms]");
    const seller = new Int64Writer(n);
    const category = new Int64Writer(n);
    const itemName = new Utf8Writer(n, ITEM_NAME_MAX);
    const description = new Utf8Writer(n, DESCRIPTION_MAX);
    const extraKeys = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const k = ks[j];
      const e = auctionEventId(k);
      const h = eventHash(this.key, k);
      setInt64(id.v32, j, k + FIRST_AUCTION_ID);
      writeNexmarkString(itemName, nextHash(h, 2), ITEM_NAME_MAX, nextHash);
      itemName.endRow();
      writeNexmarkString(description, nextHash(h, 3), DESCRIPTION_MAX, nextHash);
      description.endRow();
      const h4 = nextHash(h, 4);
      const bid = PRICE_TABLE[h4 >>> 16];
      setInt64(initialBid.v32, j, bid);
      setInt64(reserve.v32, j, bid + PRICE_TABLE[h4 & 0xffff]);
      const nominal = BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS);
      setInt64(time.v32, j, nominal);
      setInt64(expires.v32, j, nominal + 1 + (nextHash(h, 5) % (2 * AUCTION_HORIZON_MS)));
      const s =
        // HOT_SELLER_RATIO = 4: 3 in 4 auctions come from a hot seller.
        (h & (HOT_SELLER_RATIO - 1)) !== 0
          ? Math.floor(lastBase0PersonId(e) / HOT_ID_RATIO) * HOT_ID_RATIO
          : nextBase0PersonId(e, unit(nextHash(h, 6)));
      setInt64(seller.v32, j, s + FIRST_PERSON_ID);
      setInt64(category.v32, j, FIRST_CATEGORY_ID + ((h >>> 2) % NUM_CATEGORIES));
      // The item name and description just written are the variable part of the event's size.
      const bytes = AUCTION_FIELD_BYTES + itemName.pos + description.pos - itemName.offsets[j] - description.offsets[j];
      extraKeys[j] = this.extra.key(bytes, nextHash(h, 7));
    }
    return this.batch(
      [
        id.finish(),
        itemName.finish(),
        description.finish(),
        initialBid.finish(),
        reserve.finish(),
        time.finish(),
        expires.finish(),
        seller.finish(),
        category.finish(),
        this.extra.dictionary.column(extraKeys),
      ],
      n,
    );
  }
}

import { type Data, Field, Int32, makeData, type RecordBatch, Schema, TimestampMillisecond } from "apache-arrow";
import { makeBatch } from "../../types/column.js";
import { Int64Writer, setInt64 } from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS, type KindGenerator } from "./kind.js";
import { AuctionGenerator } from "./nexmark-auction.js";
import { BidGenerator } from "./nexmark-bid.js";
import { AUCTION_PROPORTION, BID_PROPORTION, PERSON_PROPORTION, TOTAL_PROPORTION } from "./nexmark-ids.js";
import type { NexmarkKindGenerator } from "./nexmark-kind.js";
import { PersonGenerator } from "./nexmark-person.js";
import { placement, spread } from "./spread.js";

/** `event_type` values, as in Flink's Nexmark source. */
export const PERSON_EVENT = 0;
export const AUCTION_EVENT = 1;
export const BID_EVENT = 2;

/**
 * `nexmark`: the whole Nexmark stream in event id order, 1 person, 3 auctions and 46 bids in every
 * 50 events, the same events the three per-kind sources make for the same seed. Flink's Nexmark
 * source carries each kind as a ROW column; the expression layer reads flat columns only, so here
 * each kind's fields are columns prefixed by the kind (`person_id`, `auction_seller`, `bid_price`),
 * null on the other kinds' events. `event_type` says which kind an event is, and `dateTime` is
 * every event's time (Flink computes it from the three with a CASE).
 */
export class NexmarkEventGenerator implements KindGenerator {
  readonly schema: Schema;
  readonly timeField = "dateTime";
  private readonly kinds: { prefix: string; gen: NexmarkKindGenerator }[];

  constructor(seed: number) {
    this.kinds = [
      { prefix: "person", gen: new PersonGenerator(seed) },
      { prefix: "auction", gen: new AuctionGenerator(seed) },
      { prefix: "bid", gen: new BidGenerator(seed) },
    ];
    const fields = [
      new Field("event_type", new Int32(), false),
      new Field("dateTime", new TimestampMillisecond(), false),
    ];
    for (const { prefix, gen } of this.kinds)
      for (const f of gen.schema.fields)
        if (f.name !== gen.timeField) fields.push(new Field(`${prefix}_${f.name}`, f.type, true));
    this.schema = new Schema(fields);
  }

  generate(first: number, step: number, n: number): RecordBatch {
    const eventType = new Int32Array(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    // Per kind: its indices k among these events, and the rows they land on.
    const ks = this.kinds.map(() => new Float64Array(n));
    const rows = this.kinds.map(() => new Int32Array(n));
    const counts = [0, 0, 0];
    for (let j = 0; j < n; j++) {
      const e = first + j * step;
      const epoch = Math.floor(e / TOTAL_PROPORTION);
      const offset = e - epoch * TOTAL_PROPORTION;
      let kind = BID_EVENT;
      let k = epoch * BID_PROPORTION + offset - PERSON_PROPORTION - AUCTION_PROPORTION;
      if (offset < PERSON_PROPORTION) {
        kind = PERSON_EVENT;
        k = epoch * PERSON_PROPORTION + offset;
      } else if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) {
        kind = AUCTION_EVENT;
        k = epoch * AUCTION_PROPORTION + offset - PERSON_PROPORTION;
      }
      eventType[j] = kind;
      ks[kind][counts[kind]] = k;
      rows[kind][counts[kind]++] = j;
      setInt64(time.v32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS));
    }
    const columns: Data[] = [makeData({ type: new Int32(), length: n, data: eventType, nullCount: 0 }), time.finish()];
    this.kinds.forEach(({ gen }, kind) => {
      const batch = gen.generateAt(ks[kind].subarray(0, counts[kind]));
      const at = placement(rows[kind].subarray(0, counts[kind]), n);
      gen.schema.fields.forEach((f, i) => {
        if (f.name !== gen.timeField) columns.push(spread(batch.data.children[i], at));
      });
    });
    return makeBatch(this.schema, columns, n);
  }
}

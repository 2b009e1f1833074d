import { Float64, makeData, type RecordBatch } from "apache-arrow";
import { encodeAll, FixedDictionary, Int64Writer, setInt64, Utf8Writer } from "./columns.js";
import { EventGenerator } from "./event-generator.js";
import { BASE_TIME_MS, EVENTS_PER_MS, MAX_JITTER_MS } from "./kind.js";
import { below, eventHash, mix32, nextHash, unit } from "./rng.js";

/**
 * `card-transactions`, for fraud-detection examples: ordinary card payments plus a small share of
 * suspicious ones a pipeline should find:
 * - large amounts: 0.3% of transactions are $2,000–$10,000 (ordinary ones are $1–$500);
 * - foreign countries: 1% happen outside the card's home country;
 * - bursts: in every 10 s of event time one card (a hash of the seed and the window) makes 0.2% of
 *   all transactions, ~200 in the window, where an ordinary card makes about one.
 */
export const NUM_CARDS = 100_000;
export const LARGE_AMOUNT_SHARE = 0.003;
export const FOREIGN_SHARE = 0.01;
export const BURST_SHARE = 0.002;
export const BURST_WINDOW_MS = 10_000;

const HOME_COUNTRIES = ["US", "US", "US", "US", "GB", "DE", "FR", "CA", "ES", "IT", "NL", "AU"];
const FOREIGN_COUNTRIES = ["NG", "RU", "BR", "CN", "RO", "UA", "VN", "ID"];
const COUNTRIES = [...new Set([...HOME_COUNTRIES, ...FOREIGN_COUNTRIES])];
const HOME_KEYS = HOME_COUNTRIES.map((c) => COUNTRIES.indexOf(c));
const FOREIGN_KEYS = FOREIGN_COUNTRIES.map((c) => COUNTRIES.indexOf(c));

const MERCHANT_NAMES = [
  "grocer",
  "fuel",
  "cafe",
  "books",
  "airline",
  "hotel",
  "pharmacy",
  "electronics",
  "apparel",
  "online",
];
const MERCHANTS_PER_NAME = 50;
const MERCHANTS = encodeAll(
  MERCHANT_NAMES.flatMap((m) =>
    Array.from({ length: MERCHANTS_PER_NAME }, (_, i) => `${m}-${String(i).padStart(3, "0")}`),
  ),
);
const MERCHANT_MAX_BYTES = Math.max(...MERCHANTS.map((m) => m.length));

const LN_500 = Math.log(500);
const BURST_WINDOW_EVENTS = BURST_WINDOW_MS * EVENTS_PER_MS;
const u32 = (share: number) => Math.floor(share * 4294967296);

export class CardTransactionGenerator extends EventGenerator {
  private readonly country: FixedDictionary;

  constructor(seed: number) {
    const country = new FixedDictionary(COUNTRIES);
    super(seed, "ts", {
      tx_id: "int64",
      card_id: "int64",
      amount: "float64",
      merchant: "utf8",
      country,
      ts: "timestamp[ms]",
    });
    this.country = country;
  }

  /** The card that bursts in the window holding event k. */
  burstCard(k: number): number {
    return 1 + below(mix32(Math.floor(k / BURST_WINDOW_EVENTS) ^ this.key), NUM_CARDS);
  }

  generate(first: number, step: number, n: number): RecordBatch {
    const txId = new Int64Writer(n);
    const cardId = new Int64Writer(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    const amount = new Float64Array(n);
    const countryKeys = new Int32Array(n);
    const merchant = new Utf8Writer(n, MERCHANT_MAX_BYTES);
    const burstBelow = u32(BURST_SHARE);
    const largeBelow = u32(LARGE_AMOUNT_SHARE);
    const foreignBelow = u32(FOREIGN_SHARE);
    for (let j = 0; j < n; j++) {
      const k = first + j * step;
      const h = eventHash(this.key, k);
      const h1 = nextHash(h, 1);
      const h2 = nextHash(h, 2);
      setInt64(txId.v32, j, k);
      const card = h1 < burstBelow ? this.burstCard(k) : 1 + below(nextHash(h, 3), NUM_CARDS);
      setInt64(cardId.v32, j, card);
      const dollars = h2 < largeBelow ? 2000 + unit(nextHash(h, 4)) * 8000 : Math.exp(unit(h2) * LN_500);
      amount[j] = Math.round(dollars * 100) / 100;
      countryKeys[j] =
        nextHash(h, 5) < foreignBelow
          ? FOREIGN_KEYS[h % FOREIGN_KEYS.length]
          : HOME_KEYS[mix32(card ^ this.key) % HOME_KEYS.length];
      merchant.put(MERCHANTS[(h >>> 8) % MERCHANTS.length]);
      merchant.endRow();
      setInt64(time.v32, j, BASE_TIME_MS + Math.floor(k / EVENTS_PER_MS) - ((h >>> 20) % MAX_JITTER_MS));
    }
    return this.batch(
      [
        txId.finish(),
        cardId.finish(),
        makeData({ type: new Float64(), length: n, data: amount, nullCount: 0 }),
        merchant.finish(),
        this.country.column(countryKeys),
        time.finish(),
      ],
      n,
    );
  }
}

import type { RecordBatch } from "apache-arrow";
import { encodeAll, FixedDictionary, Int64Writer, setInt64, Utf8Writer, writeNexmarkString } from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS } from "./kind.js";
import { ExtraPadding } from "./nexmark-extra.js";
import { FIRST_PERSON_ID, personEventId } from "./nexmark-ids.js";
import { NexmarkKindGenerator } from "./nexmark-kind.js";
import { eventHash, nextHash, seedKey } from "./rng.js";

const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = [
  "Phoenix",
  "Los Angeles",
  "San Francisco",
  "Boise",
  "Portland",
  "Bend",
  "Redmond",
  "Seattle",
  "Kent",
  "Cheyenne",
];

const AT = 64;
const DOT_COM = encodeAll([".com"])[0];
const SPACE = 32;
const DIGIT_0 = 48;
/** At most 6 + 1 + 4 + 4 bytes: name@domain.com. */
const EMAIL_MAX_BYTES = 15;
const CARD_BYTES = 19;
/** Beam's average person size; the id is its only fixed-size field (8 bytes). */
const PERSON_BYTES = 200;
const ID_BYTES = 8;
const byteLengths = (values: readonly string[]) => Int32Array.from(encodeAll(values), (b) => b.length);

/** `nexmark-person`: id, name, emailAddress, creditCard, city, state, dateTime, extra. */
export class PersonGenerator extends NexmarkKindGenerator {
  private readonly name: FixedDictionary;
  private readonly city: FixedDictionary;
  private readonly state: FixedDictionary;
  private readonly extra: ExtraPadding;
  /** Byte lengths of the name, city and state dictionaries' values: part of an event's size. */
  private readonly lengths: { name: Int32Array; city: Int32Array; state: Int32Array };

  constructor(seed: number) {
    const name = new FixedDictionary(FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`)));
    const city = new FixedDictionary(US_CITIES);
    const state = new FixedDictionary(US_STATES);
    const lengths = { name: byteLengths(name.values), city: byteLengths(US_CITIES), state: byteLengths(US_STATES) };
    const fixed = ID_BYTES + CARD_BYTES;
    const span = (l: Int32Array, pick: (a: number, b: number) => number) => l.reduce((a, b) => pick(a, b));
    const extra = new ExtraPadding(
      PERSON_BYTES,
      {
        min: fixed + span(lengths.name, Math.min) + span(lengths.city, Math.min) + span(lengths.state, Math.min),
        max:
          fixed +
          EMAIL_MAX_BYTES +
          span(lengths.name, Math.max) +
          span(lengths.city, Math.max) +
          span(lengths.state, Math.max),
      },
      seedKey(seed),
    );
    super(seed, "dateTime", {
      id: "int64",
      name,
      emailAddress: "utf8",
      creditCard: "utf8",
      city,
      state,
      dateTime: "timestamp[ms]",
      extra: extra.dictionary,
    });
    this.extra = extra;
    this.lengths = lengths;
    this.name = name;
    this.city = city;
    this.state = state;
  }

  generateAt(ks: Float64Array): RecordBatch {
    const n = ks.length;
    const id = new Int64Writer(n);
    const time = new Int64Writer(n, "timestamp[ms]");
    const nameKeys = new Int32Array(n);
    const cityKeys = new Int32Array(n);
    const stateKeys = new Int32Array(n);
    const email = new Utf8Writer(n, EMAIL_MAX_BYTES);
    const card = new Utf8Writer(n, CARD_BYTES);
    const extraKeys = new Int32Array(n);
    const { lengths } = this;
    for (let j = 0; j < n; j++) {
      const k = ks[j];
      const e = personEventId(k);
      const h = eventHash(this.key, k);
      setInt64(id.v32, j, k + FIRST_PERSON_ID);
      nameKeys[j] = h % this.name.size;
      const h1 = nextHash(h, 1);
      cityKeys[j] = h1 % this.city.size;
      stateKeys[j] = (h1 >>> 8) % this.state.size;
      // Nexmark's nextString(7) + "@" + nextString(5) + ".com", written in place.
      writeNexmarkString(email, nextHash(h, 2), 7, nextHash);
      email.byte(AT);
      writeNexmarkString(email, nextHash(h, 3), 5, nextHash);
      email.put(DOT_COM);
      email.endRow();
      // "dddd dddd dddd dddd"
      for (let g = 0; g < 4; g++) {
        let d = nextHash(h, 4 + g) % 10000;
        if (g > 0) card.byte(SPACE);
        for (let p = 1000; p >= 1; p /= 10) {
          const digit = Math.floor(d / p);
          card.byte(DIGIT_0 + digit);
          d -= digit * p;
        }
      }
      card.endRow();
      setInt64(time.v32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS));
      const bytes =
        ID_BYTES +
        CARD_BYTES +
        lengths.name[nameKeys[j]] +
        (email.pos - email.offsets[j]) +
        lengths.city[cityKeys[j]] +
        lengths.state[stateKeys[j]];
      extraKeys[j] = this.extra.key(bytes, nextHash(h, 8));
    }
    return this.batch(
      [
        id.finish(),
        this.name.column(nameKeys),
        email.finish(),
        card.finish(),
        this.city.column(cityKeys),
        this.state.column(stateKeys),
        time.finish(),
        this.extra.dictionary.column(extraKeys),
      ],
      n,
    );
  }
}

import { Int64, type RecordBatch, type Schema, TimestampMillisecond, Utf8 } from "apache-arrow";
import {
  batchOf,
  emptyUtf8,
  encodeAll,
  FixedDictionary,
  generatorSchema,
  int64Buffer,
  int64Column,
  setInt64,
  timestampColumn,
  Utf8Writer,
  writeLetters,
} from "./columns.js";
import { BASE_TIME_MS, EVENTS_PER_MS, type KindGenerator, MAX_JITTER_MS } from "./kind.js";
import { FIRST_PERSON_ID, personEventId } from "./nexmark-ids.js";
import { eventHash, nextHash, seedKey } from "./rng.js";

const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
const US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];

const AT = 64;
const DOT_COM = encodeAll([".com"])[0];
const SPACE = 32;
const DIGIT_0 = 48;

/** `nexmark-person`: id, name, emailAddress, creditCard, city, state, dateTime, extra. */
export class PersonGenerator implements KindGenerator {
  readonly schema: Schema;
  readonly timeField = "dateTime";
  private readonly key: number;
  private readonly name = new FixedDictionary(FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`)));
  private readonly city = new FixedDictionary(US_CITIES);
  private readonly state = new FixedDictionary(US_STATES);

  constructor(seed: number) {
    this.key = seedKey(seed);
    this.schema = generatorSchema([
      ["id", new Int64()],
      ["name", this.name.type],
      ["emailAddress", new Utf8()],
      ["creditCard", new Utf8()],
      ["city", this.city.type],
      ["state", this.state.type],
      ["dateTime", new TimestampMillisecond()],
      ["extra", new Utf8()],
    ]);
  }

  generate(first: number, step: number, n: number): RecordBatch {
    const id = int64Buffer(n);
    const time = int64Buffer(n);
    const nameKeys = new Int32Array(n);
    const cityKeys = new Int32Array(n);
    const stateKeys = new Int32Array(n);
    const email = new Utf8Writer(n, 17);
    const card = new Utf8Writer(n, 19);
    for (let j = 0; j < n; j++) {
      const k = first + j * step;
      const e = personEventId(k);
      const h = eventHash(this.key, k);
      setInt64(id.v32, j, k + FIRST_PERSON_ID);
      nameKeys[j] = h % this.name.size;
      const h1 = nextHash(h, 1);
      cityKeys[j] = h1 % this.city.size;
      stateKeys[j] = (h1 >>> 8) % this.state.size;
      // name@domain.com: 7 + 1 + 5 + 4 bytes, written in place.
      writeLetters(email, nextHash(h, 2), 7, nextHash);
      email.byte(AT);
      writeLetters(email, nextHash(h, 3), 5, nextHash);
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
      setInt64(time.v32, j, BASE_TIME_MS + Math.floor(e / EVENTS_PER_MS) - ((h >>> 20) % MAX_JITTER_MS));
    }
    return batchOf(
      this.schema,
      [
        int64Column(id.values),
        this.name.column(nameKeys),
        email.finish(),
        card.finish(),
        this.city.column(cityKeys),
        this.state.column(stateKeys),
        timestampColumn(time.values),
        emptyUtf8(n),
      ],
      n,
    );
  }
}

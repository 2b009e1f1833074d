import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { AVRO_SCHEMA_HEADER, avroFingerprint, avroSingleObjectPrefix } from "../../../../runtime/formats/avro.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { avroMessage, edgeAvro, randomAvro } from "./native-avro-cases.js";
import { nativeDecode as nativeAvro, referenceDecode as referenceAvro } from "./native-decode-check.js";
import { NATIVE_CASE_FIELDS } from "./native-json-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-avro.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const SCHEMA = arrowSchema(NATIVE_CASE_FIELDS);

const nativeDecode = (messages: Uint8Array[], headers: [string, Buffer][][] = []) =>
  nativeAvro("avro", messages, SCHEMA, headers);
const referenceDecode = (messages: Uint8Array[]) => referenceAvro("avro", messages, SCHEMA);

describe.skipIf(!built)("native avro decoder against avro.ts (the reference)", () => {
  it("decodes edge cases exactly as the reference: values, nulls, and which messages are bad", () => {
    const messages = edgeAvro();
    const native = nativeDecode(messages);
    const ref = referenceDecode(messages);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
    expect(ref.rows.length).toBe(10);
    // Left to the reference and made rows there: a boolean byte of 2, invalid UTF-8 (U+FFFD), the
    // two non-minimal varints, and the longs ±9007199254740990 (beyond 2^52, where avsc rounds).
    expect(native.left - ref.bad.length).toBe(6);
  });

  it("decodes 20,000 random messages exactly as the reference", () => {
    const messages = randomAvro(20_000, 42);
    const native = nativeDecode(messages);
    const ref = referenceDecode(messages);
    expect(ref.rows.length).toBeGreaterThan(12_000);
    expect(ref.bad.length).toBeGreaterThan(2_000);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
    // The native decoder decides nearly all of them itself; the rest are the edge cases' kinds at
    // random (longs of ±9007199254740990 alone are in ~6% of the messages).
    expect(native.left - ref.bad.length).toBeLessThan(messages.length / 10);
  });

  it("refuses a message it left when its schema header names another writer schema", () => {
    const good = avroMessage({ req: 1 }, { b: [2, 2] }); // left to the reference by the byte 2
    const other = Buffer.from("0123456789abcdef");
    const mine = Buffer.from(avroFingerprint(SCHEMA));
    const native = nativeDecode([good, good, good], [[[AVRO_SCHEMA_HEADER, other]], [[AVRO_SCHEMA_HEADER, mine]], []]);
    expect(native.bad).toEqual([0]);
    expect(native.rows.length).toBe(2);
  });

  it("decodes single-object messages (this schema's prefix) exactly as the reference, and refuses another writer's", () => {
    const prefix = avroSingleObjectPrefix(SCHEMA);
    const other = avroSingleObjectPrefix(arrowSchema([...NATIVE_CASE_FIELDS].reverse()));
    const plain = [...edgeAvro(), ...randomAvro(2_000, 7)];
    const framed = plain.map((m, i) => Buffer.concat([i % 9 === 4 ? other : prefix, m]));
    const native = nativeDecode(framed);
    const ref = referenceDecode(framed);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
    // The same rows as the plain messages they frame, but for the other writer's.
    const kept = plain.filter((_, i) => i % 9 !== 4);
    expect(ref.rows).toEqual(referenceDecode(kept).rows);
    expect(native.left - ref.bad.length).toBeLessThan(plain.length / 10);
  });

  it("leaves short or cut-off prefixes to the reference, which reports them", () => {
    const prefix = avroSingleObjectPrefix(SCHEMA);
    const good = avroMessage({ req: 1 });
    const messages = [
      Buffer.from([0xc3]),
      prefix.subarray(0, 2),
      prefix.subarray(0, 9),
      prefix,
      Buffer.concat([prefix, good]),
    ];
    const native = nativeDecode(messages);
    expect(native).toEqual({ ...referenceDecode(messages), left: 4 });
    expect(native.bad).toEqual([0, 1, 2, 3]);
  });
});

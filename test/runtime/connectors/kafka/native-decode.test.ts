import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { nativeDecode as nativeJson, referenceDecode as referenceJson } from "./native-decode-check.js";
import { edgeJson, NATIVE_CASE_FIELDS, randomJson } from "./native-json-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-decode.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const SCHEMA = arrowSchema(NATIVE_CASE_FIELDS);

const nativeDecode = (messages: Uint8Array[], schema = SCHEMA) => nativeJson("json", messages, schema);
const referenceDecode = (messages: Uint8Array[], schema = SCHEMA) => referenceJson("json", messages, schema);

describe.skipIf(!built)("native json decoder against json.ts (the reference)", () => {
  it("decodes edge cases exactly as the reference: values, nulls, and which messages are bad", () => {
    const messages = edgeJson();
    const native = nativeDecode(messages);
    const ref = referenceDecode(messages);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
    expect(ref.rows.length).toBe(29);
    // The native decoder decides all but the rare cases, which the reference turns into rows: lone
    // surrogates (2), a duplicate key, numbers beyond double range (2), and times that are not
    // strict ISO with a zone (2024-02-30, local time, "March 1, 2024 UTC").
    expect(native.left - ref.bad.length).toBe(8);
  });

  it("decodes 20,000 random messages exactly as the reference", () => {
    const messages = randomJson(20_000, 42);
    const native = nativeDecode(messages);
    const ref = referenceDecode(messages);
    expect(ref.rows.length).toBeGreaterThan(14_000);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
  });

  it("leaves a missing column named like an Object.prototype property to the reference", () => {
    const schema = arrowSchema([
      { name: "toString", type: "utf8" },
      { name: "constructor", type: "int64" },
    ]);
    const messages = ['{"toString":"a","constructor":1}', '{"constructor":2}', '{"toString":"b"}', "{}"].map(
      (s) => new Uint8Array(Buffer.from(s)),
    );
    const native = nativeDecode(messages, schema);
    const ref = referenceDecode(messages, schema);
    expect(native.rows).toEqual(ref.rows);
    expect(native.bad).toEqual(ref.bad);
    expect(native.left).toBe(3);
  });
});

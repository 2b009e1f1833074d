import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { AVRO_SCHEMA_HEADER, avroFingerprint, avroSingleObjectPrefix } from "../../../../runtime/formats/avro.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { useTestKafka } from "../../../helpers/kafka.js";
import { avroMessage, edgeAvro, randomAvro } from "./native-avro-cases.js";
import { expectSameReads, readWithBoth, withTombstonesAndOversized } from "./native-equivalence.js";
import { NATIVE_CASE_FIELDS } from "./native-json-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-avro.int.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

describe.skipIf(!built)("kafka avro source on the native client", () => {
  const k = useTestKafka();

  it("reads random and edge-case avro exactly as the librdkafka source (avro.ts): rows, positions and dead letters", async () => {
    const schema = arrowSchema(NATIVE_CASE_FIELDS);
    const prefix = avroSingleObjectPrefix(schema);
    const otherPrefix = avroSingleObjectPrefix(arrowSchema([...NATIVE_CASE_FIELDS].reverse()));
    const mine = avroFingerprint(schema);
    // Most single-object encoded with this schema's fingerprint, some with another writer's; some
    // plain binary: without a header (other producers), or with the legacy header Sabot wrote
    // before (this schema's, or another writer's).
    const frame = (v: Uint8Array | null, i: number): Uint8Array | null => {
      if (v === null) return null;
      if (i % 13 === 0) return Buffer.concat([otherPrefix, v]);
      if (i % 11 === 0 || i % 7 === 0 || i % 5 === 0) return v;
      return Buffer.concat([prefix, v]);
    };
    const headers = (i: number): Record<string, string> | undefined => {
      if (i % 13 === 0) return { origin: `m${i}` };
      if (i % 11 === 0) return { [AVRO_SCHEMA_HEADER]: "0123456789abcdef", origin: `m${i}` };
      if (i % 7 === 0) return { origin: `m${i}` };
      if (i % 5 === 0) return { [AVRO_SCHEMA_HEADER]: mine };
      return undefined;
    };
    const values = withTombstonesAndOversized(
      [...randomAvro(6000, 11), ...edgeAvro()],
      avroMessage({ req: 1, s: "x".repeat(3000) }),
    ).map(frame);
    const read = await readWithBoth(k, "native-avro-eq", "avro", NATIVE_CASE_FIELDS, values, headers);
    const dead = expectSameReads(read, 3500);
    expect(dead.filter((d) => d.includes('"reason":"schema-mismatch"')).length).toBeGreaterThan(500);
  }, 120_000);
});

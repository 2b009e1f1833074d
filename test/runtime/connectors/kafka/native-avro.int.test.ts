import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import { AVRO_SCHEMA_HEADER, avroFingerprint } from "../../../../runtime/formats/avro.js";
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
    const values = withTombstonesAndOversized(
      [...randomAvro(6000, 11), ...edgeAvro()],
      avroMessage({ req: 1, s: "x".repeat(3000) }),
    );
    const mine = avroFingerprint(arrowSchema(NATIVE_CASE_FIELDS));
    // Most carry this schema's fingerprint, some none (other producers), some another writer's.
    const headers = (i: number): Record<string, string> | undefined => {
      if (i % 11 === 0) return { [AVRO_SCHEMA_HEADER]: "0123456789abcdef", origin: `m${i}` };
      if (i % 7 === 0) return { origin: `m${i}` };
      return { [AVRO_SCHEMA_HEADER]: mine };
    };
    const read = await readWithBoth(k, "native-avro-eq", "avro", NATIVE_CASE_FIELDS, values, headers);
    const dead = expectSameReads(read, 3500);
    expect(dead.filter((d) => d.includes('"reason":"schema-mismatch"')).length).toBeGreaterThan(500);
  }, 120_000);
});

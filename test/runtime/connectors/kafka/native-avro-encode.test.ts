import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { AvroEncoder } from "../../../../runtime/formats/avro.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { columnFromValues, seededRng } from "../../../helpers/random.js";
import { expectRandomBatches, nativeEncode } from "./native-encode-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-avro-encode.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const nativeEncodeAvro = (batch: RecordBatch) => nativeEncode("avro", batch, "hex");

const reference = (batch: RecordBatch) => new AvroEncoder(batch.schema).encode(batch).map((b) => b.toString("hex"));

describe.skipIf(!built)("native avro encoder against AvroEncoder (the reference)", () => {
  it("writes random batches of every type byte for byte as AvroEncoder, sliced ones too", () => {
    expectRandomBatches(5, nativeEncodeAvro, reference);
  });

  it("writes doubles, ints and longs at their edges as avsc does, and leaves longs avsc refuses to it", () => {
    const rng = seededRng(11);
    const doubles = [0, -0, 1, -1, 0.1, 5e-324, 1.7976931348623157e308, Number.NaN, Infinity, -Infinity, 2 ** 53];
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    while (doubles.length < 5000) {
      words[0] = Math.floor(rng.next() * 2 ** 32);
      words[1] = Math.floor(rng.next() * 2 ** 32);
      doubles.push(bits[0]);
    }
    const ints = [0, 1, -1, 63, -64, 64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31)];
    const fields: FieldSpec[] = [
      { name: "f", type: "float64" },
      { name: "i", type: "int32" },
    ];
    const n = doubles.length;
    const iv = Array.from({ length: n }, (_, k) => ints[k % ints.length]);
    const batch = makeBatch(
      arrowSchema(fields),
      [columnFromValues(fields[0], doubles), columnFromValues(fields[1], iv)],
      n,
    );
    expect(nativeEncodeAvro(batch)).toEqual(reference(batch));
    const longs = arrowSchema([{ name: "l", type: "int64" }]);
    const safe = makeBatch(longs, [columnFromValues({ name: "l", type: "int64" }, [0, 0, 0, 0, 0, 0])], 6);
    (safe.data.children[0].values as BigInt64Array).set([
      0n,
      2n ** 53n - 2n,
      -(2n ** 53n) + 2n,
      -(2n ** 52n) - 3n,
      -(2n ** 30n) - 1n,
      -(2n ** 31n),
    ]);
    expect(nativeEncodeAvro(safe)).toEqual(reference(safe));
    const unsafe = makeBatch(longs, [columnFromValues({ name: "l", type: "int64" }, [0, 0])], 2);
    (unsafe.data.children[0].values as BigInt64Array).set([1n, 2n ** 53n - 1n]);
    expect(nativeEncodeAvro(unsafe)).toBeNull();
    expect(() => reference(unsafe)).toThrow(/row 1 cannot be written as Avro/);
  });

  it("writes strings as their UTF-8 bytes and leaves invalid UTF-8 to AvroEncoder", () => {
    const strings = ['q"uote', "\u0000\u007f", "é☃😀\u2028", "", "x".repeat(300)];
    const fields: FieldSpec[] = [{ name: "s", type: "utf8" }];
    const batch = makeBatch(arrowSchema(fields), [columnFromValues(fields[0], strings)], strings.length);
    expect(nativeEncodeAvro(batch)).toEqual(reference(batch));
    const bad = columnFromValues(fields[0], ["ok", "x"]);
    (bad.values as Uint8Array)[2] = 0xff;
    expect(nativeEncodeAvro(makeBatch(arrowSchema(fields), [bad], 2))).toBeNull();
  });
});

import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { nativeKafkaBuilt, nativeKafkaPath } from "../../../../runtime/connectors/kafka/native-addon.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { JsonEncoder } from "../../../../runtime/formats/json.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { makeBatch } from "../../../../runtime/types/column.js";
import { columnFromValues, seededRng } from "../../../helpers/random.js";
import { expectRandomBatches, nativeEncode } from "./native-encode-cases.js";

const built = nativeKafkaBuilt();
if (!built) console.warn(`native-encode.test: ${nativeKafkaPath()} is not built (npm run build:native); skipped`);

const nativeEncodeJson = (batch: RecordBatch) => nativeEncode("json", batch, "utf8");

const reference = (batch: RecordBatch) => new JsonEncoder(batch.schema).encode(batch).map((b) => b.toString("utf8"));

describe.skipIf(!built)("native json encoder against JsonEncoder (the reference)", () => {
  it("writes random batches of every type byte for byte as JsonEncoder, sliced ones too", () => {
    expectRandomBatches(3, nativeEncodeJson, reference);
  });

  it("prints numbers as JavaScript does and quotes what JSON numbers cannot hold", () => {
    const rng = seededRng(9);
    const doubles: number[] = [
      0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012345680000, 1.5e-300, 5e-324, 1.7976931348623157e308,
    ];
    doubles.push(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2 ** 53,
      1e-6,
      0.000001234,
      1e20,
      1.25e21,
    );
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    while (doubles.length < 5000) {
      words[0] = Math.floor(rng.next() * 2 ** 32);
      words[1] = Math.floor(rng.next() * 2 ** 32);
      doubles.push(bits[0], rng.next() * 10 ** Math.floor(rng.next() * 40 - 20));
    }
    const ints = ["0", "9007199254740991", "9007199254740992", "-9007199254740991", "-9007199254740992"];
    const fields: FieldSpec[] = [{ name: "f", type: "float64" }];
    const f = columnFromValues(fields[0], doubles);
    const batch = makeBatch(arrowSchema(fields), [f], doubles.length);
    expect(nativeEncodeJson(batch)).toEqual(reference(batch));
    const big = arrowSchema([{ name: "l", type: "int64" }]);
    const l = makeBatch(big, [columnFromValues({ name: "l", type: "int64" }, ints.map(Number))], ints.length);
    (l.data.children[0].values as BigInt64Array).set([0n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) + 1n, -(2n ** 63n)]);
    expect(nativeEncodeJson(l)).toEqual(reference(l));
  });

  it("escapes strings as JSON.stringify does and leaves invalid UTF-8 to JsonEncoder", () => {
    const strings = ['q"uote', "back\\slash", "\u0000\u0001\u001f\u007f", "\b\f\n\r\t", "é☃😀\u2028", "", "/"];
    const fields: FieldSpec[] = [{ name: 's\n"', type: "utf8" }];
    const batch = makeBatch(arrowSchema(fields), [columnFromValues(fields[0], strings)], strings.length);
    expect(nativeEncodeJson(batch)).toEqual(reference(batch));
    const bad = columnFromValues(fields[0], ["ok", "x"]);
    (bad.values as Uint8Array)[2] = 0xff;
    expect(nativeEncodeJson(makeBatch(arrowSchema(fields), [bad], 2))).toBeNull();
  });
});

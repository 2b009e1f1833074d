import { Field, Int64, makeData, Schema, Table, tableToIPC, Utf8 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import { ArrowDecoder } from "../../../runtime/formats/arrow.js";
import { AVRO_SCHEMA_HEADER, avroFingerprint } from "../../../runtime/formats/avro.js";
import { createDecoder, createEncoder } from "../../../runtime/formats/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { RECORD_FIELDS, randomBatch, seededRng } from "../../helpers/random.js";
import { expectSchema } from "./expect-schema.js";

const FIELDS: FieldSpec[] = RECORD_FIELDS;
const schema = arrowSchema(FIELDS);

const json = (s: string) => Buffer.from(s, "utf8");

describe("json decoder with bad messages", () => {
  it("keeps the good rows and reports each bad message with its index and reason", () => {
    const messages = [
      json('{"id":1,"name":"a","country":"US","amount":1.5,"ok":true}'),
      json('{"id":2,"name":"b",'), // malformed
      json('{"name":"c"}'), // id missing (not nullable)
      json('{"id":"seven","name":"d"}'), // wrong type
      json('{"id":5,"name":"e","country":"DE"}'),
      json("[1,2,3]"), // not an object
      json('{"id":7,"name":8}'), // wrong type in a later column: the row must be rolled back whole
      json('{"id":null}'), // null in a non-nullable column
      json('{"id":9,"ok":"yes"}'),
      json('{"id":10,"amount":2}'),
    ];
    const { batches, bad } = createDecoder("json", schema).decode(messages);
    expect(bad.map((b) => [b.index, b.reason])).toEqual([
      [1, "malformed"],
      [2, "missing-field"],
      [3, "wrong-type"],
      [5, "malformed"],
      [6, "wrong-type"],
      [7, "missing-field"],
      [8, "wrong-type"],
    ]);
    expect(bad[1].detail).toBe('field "id" is missing and is not nullable');
    expect(bad[2].detail).toBe('field "id" must be an integer, got string "seven"');
    expect(bad[4].detail).toBe('field "name" must be a string, got number 8');
    expect(batchRows(batches[0])).toEqual([
      { id: 1, name: "a", country: "US", amount: 1.5, ok: true },
      { id: 5, name: "e", country: "DE", amount: null, ok: null },
      { id: 10, name: null, country: null, amount: 2, ok: null },
    ]);
  });

  it("returns no batch when every message is bad", () => {
    const { batches, bad } = createDecoder("json", schema).decode([json("nope"), json("{}")]);
    expect(batches).toEqual([]);
    expect(bad).toHaveLength(2);
  });

  it("rejects fractions for integer columns and out-of-range int32", () => {
    const s = arrowSchema([{ name: "x", type: "int32" }]);
    const { bad } = createDecoder("json", s).decode([json('{"x":1.5}'), json('{"x":3000000000}'), json('{"x":3}')]);
    expect(bad.map((b) => b.index)).toEqual([0, 1]);
  });
});

describe("avro decoder with bad messages", () => {
  it("reports garbage and truncated records, keeps the rest", () => {
    const batch = randomBatch(seededRng(3), FIELDS, 4);
    const good = createEncoder("avro", schema).encode(batch);
    const messages = [good[0], Buffer.from([0xff, 0xff, 0xff]), good[1], good[2].subarray(0, 2), good[3]];
    const { batches, bad } = createDecoder("avro", schema).decode(messages);
    expect(bad.map((b) => [b.index, b.reason])).toEqual([
      [1, "malformed"],
      [3, "malformed"],
    ]);
    const rows = batchRows(batch);
    expect(batchRows(batches[0])).toEqual([rows[0], rows[1], rows[3]]);
  });
});

describe("arrow decoder with bad messages", () => {
  it("reports bytes that are not an IPC stream", () => {
    const { bad } = createDecoder("arrow", schema).decode([Buffer.from("not arrow at all")]);
    expect(bad).toHaveLength(1);
    expect(bad[0].reason).toBe("malformed");
  });

  it("reports a batch whose column has another type, and one missing a non-nullable column", () => {
    const wrongType: FieldSpec[] = [{ name: "id", type: "utf8", nullable: false }];
    const missing: FieldSpec[] = [{ name: "name", type: "utf8" }];
    const rng = seededRng(9);
    const encode = (fields: FieldSpec[], n: number) =>
      createEncoder("arrow", arrowSchema(fields)).encode(randomBatch(rng, fields, n));
    const messages = [...encode(wrongType, 3), ...encode(missing, 3), ...encode(FIELDS, 5)];
    const { batches, bad } = createDecoder("arrow", schema).decode(messages);
    expect(bad.map((b) => [b.index, b.reason, b.detail])).toEqual([
      [0, "schema-mismatch", 'column "id" is Utf8, expected Int64'],
      [1, "missing-field", 'column "id" is missing and is not nullable'],
    ]);
    expect(batches.map((b) => b.numRows)).toEqual([5]);
  });

  it("fits a batch with other column order, extra columns, plain vs dictionary utf8 and a missing nullable column", () => {
    const other: FieldSpec[] = [
      { name: "extra", type: "int32" },
      { name: "country", type: "utf8" }, // plain here, dictionary in the source schema
      { name: "id", type: "int64", nullable: false },
      { name: "name", type: "utf8", dictionary: true }, // dictionary here, plain in the source schema
    ];
    const batch = randomBatch(seededRng(4), other, 50);
    const { batches, bad } = createDecoder("arrow", schema).decode(createEncoder("arrow", batch.schema).encode(batch));
    expect(bad).toEqual([]);
    const want = batchRows(batch).map((r) => ({ id: r.id, name: r.name, country: r.country, amount: null, ok: null }));
    expect(batchRows(batches[0])).toEqual(want);
    expectSchema(batches[0].schema, schema);
  });
});

describe("avro schema agreement", () => {
  const fields: FieldSpec[] = [
    { name: "a", type: "int64", nullable: false },
    { name: "b", type: "int64" },
  ];
  const writer = createEncoder("avro", arrowSchema(fields));
  const batch = randomBatch(seededRng(6), fields, 5, { nullRate: 0 });

  it("reads messages written with other nullability (every Avro field is a union with null)", () => {
    const reader = createDecoder("avro", arrowSchema(fields.map((f) => ({ ...f, nullable: !(f.nullable ?? true) }))));
    const { batches, bad } = reader.decode(writer.encode(batch));
    expect(bad).toEqual([]);
    expect(batchRows(batches[0])).toEqual(batchRows(batch));
  });

  it("spots a message written with columns in another order by its schema fingerprint", () => {
    const swapped = createDecoder("avro", arrowSchema([fields[1], fields[0]]));
    const { batches, bad } = swapped.decode(writer.encode(batch));
    expect(batches).toEqual([]);
    expect(bad.map((b) => b.reason)).toEqual(Array(5).fill("schema-mismatch"));
    expect(bad[0].detail).toMatch(
      /written with another Avro schema \(single-object fingerprint -?\d+, this source's is -?\d+\): the source's schema must list the writer's columns in the same order/,
    );
  });

  it("spots a message written with columns in another order by its legacy schema header", () => {
    const swapped = createDecoder("avro", arrowSchema([fields[1], fields[0]]));
    const legacy = { [AVRO_SCHEMA_HEADER]: avroFingerprint(arrowSchema(fields)) };
    expect(swapped.checkHeaders?.(legacy)).toMatchObject({ reason: "schema-mismatch" });
    expect(swapped.checkHeaders?.(undefined)).toBeNull();
  });
});

describe("arrow decoder and columns the source does not declare", () => {
  const a = makeData({ type: new Int64(), length: 2, data: new BigInt64Array([1n, 2n]) });
  // Offsets past the end of the string bytes: a column that fails validation when it is read.
  const b = makeData({
    type: new Utf8(),
    length: 2,
    valueOffsets: new Int32Array([0, 1, 100]),
    data: new Uint8Array(3),
  });
  const written = new Schema([new Field("a", new Int64()), new Field("b", new Utf8())]);
  const message = tableToIPC(new Table([makeBatch(written, [a, b], 2)]), "stream");

  it("neither validates nor converts them: a source narrowed to its job's columns reads only those", () => {
    const narrowed = new ArrowDecoder(new Schema([new Field("a", new Int64())])).decode([message]);
    expect(narrowed.bad).toEqual([]);
    expect(batchRows(narrowed.batches[0]!)).toEqual([{ a: 1 }, { a: 2 }]);
    const whole = new ArrowDecoder(written).decode([message]);
    expect(whole.bad).toEqual([
      {
        index: 0,
        reason: "malformed",
        detail: "not an Arrow IPC stream: column b: an offset (100) past the end of its 8 values",
      },
    ]);
  });
});

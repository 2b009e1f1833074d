import { Field, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import type { FieldSpec, Format } from "../../../runtime/contract/spec/schema.js";
import { createDecoder, createEncoder } from "../../../runtime/formats/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { EACH_TYPE, randomBatch, SAMPLE_STRINGS, seededRng } from "../../helpers/random.js";
import { expectSchema } from "./expect-schema.js";

const FORMATS: Format[] = ["json", "avro", "arrow"];

/** Every column type, nullable and not, plain and dictionary utf8. */
const ALL_TYPES: FieldSpec[] = [
  ...EACH_TYPE.filter((f) => f.name !== "ts"),
  { name: "ts", type: "timestamp[ms]", nullable: false },
  { name: "req", type: "utf8", nullable: false },
  { name: "req_i64", type: "int64", nullable: false },
];

/** Strings that JSON must escape, on top of the shared multi-byte and long samples. */
const STRINGS = [...SAMPLE_STRINGS, 'quote " here', "back\\slash", "tab\tand\nnewline", "\u0000nul", "\u2028sep"];

describe.each(FORMATS)("%s format", (format) => {
  const schema = arrowSchema(ALL_TYPES);

  it("decodes what it encoded: every type, with nulls, over randomized batches", () => {
    const rng = seededRng(format.length * 7919);
    const enc = createEncoder(format, schema);
    const dec = createDecoder(format, schema);
    for (let round = 0; round < 20; round++) {
      const opts = { nullRate: rng.pick([0, 0.1, 0.5]), strings: STRINGS, intRange: [-4e12, 4e12] as [number, number] };
      const batch = randomBatch(rng, ALL_TYPES, rng.int(1, 300), opts);
      const messages = enc.encode(batch);
      expect(messages.length).toBe(format === "arrow" ? 1 : batch.numRows);
      const { batches, bad } = dec.decode(messages);
      expect(bad).toEqual([]);
      expect(batches.flatMap(batchRows)).toEqual(batchRows(batch));
      for (const b of batches) expectSchema(b.schema, schema);
    }
  });

  it("round-trips a sliced batch (non-zero column offsets)", () => {
    const batch = randomBatch(seededRng(5), ALL_TYPES, 200).slice(37, 150);
    const { batches, bad } = createDecoder(format, schema).decode(createEncoder(format, schema).encode(batch));
    expect(bad).toEqual([]);
    expect(batches.flatMap(batchRows)).toEqual(batchRows(batch));
  });

  it("reports a message without a value (tombstone) as bad", () => {
    const batch = randomBatch(seededRng(1), ALL_TYPES, 3);
    const messages: (Buffer | null)[] = createEncoder(format, schema).encode(batch);
    messages.splice(1, 0, null);
    const { batches, bad } = createDecoder(format, schema).decode(messages);
    expect(bad).toEqual([{ index: 1, reason: "malformed", detail: "message has no value (a tombstone)" }]);
    expect(batches.flatMap(batchRows)).toEqual(batchRows(batch));
  });
});

describe("json format", () => {
  it("keeps int64 values beyond 2^53 exact (written as decimal strings)", () => {
    const schema = arrowSchema([{ name: "x", type: "int64" }]);
    const big = ['{"x":"9007199254740993"}', '{"x":-9223372036854775808}', '{"x":"-9223372036854775808"}'];
    const { batches, bad } = createDecoder("json", schema).decode(big.map((s) => Buffer.from(s)));
    expect(bad).toEqual([]);
    const col = batches[0].data.children[0].values as BigInt64Array;
    expect([...col]).toEqual([9007199254740993n, -9223372036854775808n, -9223372036854775808n]);
    const back = createEncoder("json", schema).encode(batches[0]).map(String);
    expect(back[0]).toBe('{"x":"9007199254740993"}');
  });

  it("reads ISO-8601 strings as timestamps and writes NaN/Infinity as strings", () => {
    const schema = arrowSchema([
      { name: "t", type: "timestamp[ms]" },
      { name: "f", type: "float64" },
    ]);
    const dec = createDecoder("json", schema);
    const { batches } = dec.decode([
      Buffer.from('{"t":"2024-01-01T00:00:01.500Z","f":"NaN"}'),
      Buffer.from('{"t":1,"f":"-Infinity"}'),
    ]);
    expect(batchRows(batches[0])).toEqual([
      { t: 1_704_067_201_500, f: Number.NaN },
      { t: 1, f: Number.NEGATIVE_INFINITY },
    ]);
    expect(createEncoder("json", schema).encode(batches[0]).map(String)).toEqual([
      '{"t":1704067201500,"f":"NaN"}',
      '{"t":1,"f":"-Infinity"}',
    ]);
  });

  it("ignores fields that are not in the schema and reads a missing nullable field as null", () => {
    const schema = arrowSchema([
      { name: "a", type: "int32" },
      { name: "b", type: "utf8" },
    ]);
    const { batches, bad } = createDecoder("json", schema).decode([Buffer.from('{"a":1,"zzz":[1,2]}')]);
    expect(bad).toEqual([]);
    expect(batchRows(batches[0])).toEqual([{ a: 1, b: null }]);
  });
});

describe("arrow IPC writing", () => {
  it("survives columns that share one buffer (arrow-js would merge the overlapping ranges)", () => {
    const fields: FieldSpec[] = [
      { name: "a", type: "int64" },
      { name: "b", type: "utf8", dictionary: true },
    ];
    // No nulls: then no validity buffer sits between a column and its copy.
    const batch = randomBatch(seededRng(8), fields, 100, { nullRate: 0 });
    const [a, b] = batch.data.children;
    // Each column twice in a row, as `select a, a AS a2` produces.
    const [fa, fb] = batch.schema.fields;
    const twice = makeBatch(
      new Schema([fa, new Field("a2", a.type, true), fb, new Field("b2", b.type, true)]),
      [a, a, b, b],
      100,
    );
    for (const input of [twice, twice.slice(10, 50)]) {
      const schema = input.schema;
      const { batches, bad } = createDecoder("arrow", schema).decode(createEncoder("arrow", schema).encode(input));
      expect(bad).toEqual([]);
      expect(batches.flatMap(batchRows)).toEqual(batchRows(input));
    }
  });
});

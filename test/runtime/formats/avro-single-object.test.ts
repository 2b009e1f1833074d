import avro from "avsc";
import { describe, expect, it } from "vitest";
import type { FieldSpec } from "../../../runtime/contract/spec/schema.js";
import {
  AVRO_SCHEMA_HEADER,
  AvroDecoder,
  AvroEncoder,
  avroCanonicalForm,
  avroFingerprint,
  avroSchema,
  avroSingleObjectPrefix,
  crc64Avro,
} from "../../../runtime/formats/avro.js";
import { createKeyEncoder } from "../../../runtime/formats/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { ALL_TYPES, RECORD_FIELDS, randomBatch, seededRng } from "../../helpers/random.js";

const schema = arrowSchema(RECORD_FIELDS);
const signed = (fp: bigint) => BigInt.asIntN(64, fp);
const canonicalOf = (s: avro.Schema) => JSON.stringify(avro.Type.forSchema(s).schema());

describe("CRC-64-AVRO and the Parsing Canonical Form", () => {
  // The Avro project's published vectors (share/test/data/schema-tests.txt), as Java's signed longs.
  it("gives the Avro specification's fingerprints", () => {
    const vectors: [string, bigint][] = [
      ['"null"', 7195948357588979594n],
      ['"boolean"', -6970731678124411036n],
      ['"int"', 8247732601305521295n],
      ['"long"', -3434872931120570953n],
      ['"double"', -8181574048448539266n],
      ['"string"', -8142146995180207161n],
      ['{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
      ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', 7843277075252814651n],
      [
        '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
        -1759257747318642341n,
      ],
    ];
    for (const [text, fp] of vectors) expect([text, signed(crc64Avro(Buffer.from(text)))]).toEqual([text, fp]);
  });

  it("fingerprints avsc's canonical form, which drops defaults, logical types and key order as the spec says", () => {
    expect(
      canonicalOf({ type: "record", name: "foo", fields: [{ name: "f1", type: "boolean", default: false }] }),
    ).toBe('{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}');
    const ts = arrowSchema([
      { name: "at", type: "timestamp[ms]" },
      { name: "n", type: "int32", nullable: false },
    ]);
    expect(avroCanonicalForm(ts)).toBe(
      '{"name":"Row","type":"record","fields":[{"name":"at","type":["null","long"]},{"name":"n","type":["null","int"]}]}',
    );
    expect(canonicalOf(avroSchema(ts))).toBe(avroCanonicalForm(ts));
  });

  it("gives the fingerprint Avro's Java library gives for a Sabot schema of every column type", () => {
    // SchemaNormalization.parsingFingerprint64 of avroSchema(ALL_TYPES) in Avro 1.12.0 (run by hand:
    // the test environment's Java has Kafka's jars, not Avro's); docs/kafka.md, Avro messages.
    expect(signed(crc64Avro(Buffer.from(avroCanonicalForm(arrowSchema(ALL_TYPES)))))).toBe(-2970883053186048065n);
  });

  it("prefixes C3 01 and the fingerprint, little-endian", () => {
    const prefix = avroSingleObjectPrefix(schema);
    expect(prefix.length).toBe(10);
    expect([...prefix.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(prefix.readBigUInt64LE(2)).toBe(crc64Avro(Buffer.from(avroCanonicalForm(schema))));
  });
});

describe("avro single-object encoding", () => {
  const batch = randomBatch(seededRng(21), RECORD_FIELDS, 200);
  const plainType = avro.Type.forSchema(avroSchema(schema));

  it("writes each row as the prefix and the plain binary record, and reads it back", () => {
    const messages = new AvroEncoder(schema).encode(batch);
    const prefix = avroSingleObjectPrefix(schema);
    for (const m of messages) {
      expect(m.subarray(0, 10).equals(prefix)).toBe(true);
      expect(() => plainType.fromBuffer(m.subarray(10))).not.toThrow();
    }
    const { batches, bad } = new AvroDecoder(schema).decode(messages);
    expect(bad).toEqual([]);
    expect(batchRows(batches[0])).toEqual(batchRows(batch));
  });

  it("refuses another writer schema's fingerprint as schema-mismatch, and keeps the rows around it", () => {
    const other = arrowSchema([...RECORD_FIELDS].reverse());
    const mine = new AvroEncoder(schema).encode(batch.slice(0, 2));
    const theirs = new AvroEncoder(other).encode(randomBatch(seededRng(22), [...RECORD_FIELDS].reverse(), 1));
    const { batches, bad } = new AvroDecoder(schema).decode([mine[0], theirs[0], mine[1]]);
    expect(batches[0].numRows).toBe(2);
    expect(bad).toEqual([
      {
        index: 1,
        reason: "schema-mismatch",
        detail: expect.stringMatching(/^written with another Avro schema \(single-object fingerprint -?\d+, /),
      },
    ]);
  });

  it("still reads plain binary records (other producers, topics Sabot wrote before)", () => {
    const rows = batchRows(batch.slice(0, 20));
    const plain = rows.map((r) => plainType.toBuffer(r));
    const { batches, bad } = new AvroDecoder(schema).decode(plain);
    expect(bad).toEqual([]);
    expect(batchRows(batches[0])).toEqual(rows);
  });

  it("still checks the legacy sabot.avro.schema header", () => {
    const dec = new AvroDecoder(schema);
    expect(dec.checkHeaders({ [AVRO_SCHEMA_HEADER]: avroFingerprint(schema) })).toBeNull();
    expect(dec.checkHeaders({ [AVRO_SCHEMA_HEADER]: "0123456789abcdef" })).toEqual({
      reason: "schema-mismatch",
      detail: expect.stringContaining("fingerprint 0123456789abcdef, this source's is"),
    });
    expect(dec.checkHeaders(undefined)).toBeNull();
  });

  it("reports messages too short for a record or the prefix as malformed", () => {
    const prefix = avroSingleObjectPrefix(schema);
    const short = [Buffer.alloc(0), Buffer.from([0xc3]), prefix.subarray(0, 2), prefix.subarray(0, 9), prefix];
    const { batches, bad } = new AvroDecoder(schema).decode(short);
    expect(batches).toEqual([]);
    expect(bad.map((b) => [b.index, b.reason])).toEqual(short.map((_, i) => [i, "malformed"]));
    expect(bad[3].detail).toMatch(/single-object message of 9 bytes: too short/);
  });

  it("leaves message keys plain binary: their bytes choose the partition", () => {
    const fields: FieldSpec[] = RECORD_FIELDS;
    const keys = createKeyEncoder("avro", schema, [fields[0].name])(batch.slice(0, 5));
    const keyType = avro.Type.forSchema(avroSchema(arrowSchema([fields[0]]), "Key"));
    for (const [i, k] of keys.entries())
      expect(keyType.fromBuffer(k)).toEqual({ [fields[0].name]: batchRows(batch)[i][fields[0].name] });
  });
});

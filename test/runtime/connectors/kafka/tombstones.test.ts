import { type RecordBatch, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { TombstoneDecoder } from "../../../../runtime/connectors/kafka/tombstones.js";
import type { FieldSpec, Format } from "../../../../runtime/contract/spec/schema.js";
import { createDecoder, createKeyEncoder } from "../../../../runtime/formats/index.js";
import { batchToIPCStream } from "../../../../runtime/formats/ipc.js";
import { LookupJoinOperator } from "../../../../runtime/operators/join/lookup-join.js";
import { arrowSchema } from "../../../../runtime/types/arrow-types.js";
import { columnsOf, makeBatch } from "../../../../runtime/types/column.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { throughStorage } from "../../../helpers/snapshots.js";

const TABLE: FieldSpec[] = [
  { name: "symbol", type: "utf8", nullable: false },
  { name: "venue", type: "int32", nullable: false },
  { name: "name", type: "utf8", dictionary: true },
  { name: "price", type: "float64", nullable: false },
];
const table = arrowSchema(TABLE);
const stream = arrowSchema([
  { name: "sym", type: "utf8" },
  { name: "v", type: "int32" },
  { name: "qty", type: "int64" },
]);

const json = (rows: object[]) => rows.map((r) => Buffer.from(JSON.stringify(r)));
const batchOf = (schema: Schema, rows: object[]): RecordBatch =>
  createDecoder("json", schema).decode(json(rows)).batches[0];

/** Message keys as a keyed sink writes them (arrow: an IPC stream of the key columns). */
function keysOf(format: Format, rows: { symbol: string; venue: number }[]): Uint8Array[] {
  const batch = batchOf(
    table,
    rows.map((r) => ({ ...r, name: "x", price: 1 })),
  );
  if (format !== "arrow") return createKeyEncoder(format, table, ["symbol", "venue"])(batch);
  const keySchema = new Schema([table.fields[0], table.fields[1]]);
  return rows.map((_, i) => batchToIPCStream(makeBatch(keySchema, columnsOf(batch.slice(i, i + 1)), 1)));
}

function lookupJoin(): LookupJoinOperator {
  return new LookupJoinOperator({
    name: "enrich",
    input: { schema: stream },
    table: { schema: table },
    tableName: "securities",
    key: ["sym", "v"],
    tableKey: ["symbol", "venue"],
    type: "inner",
    maxParallelism: 16,
  });
}

const probe = () =>
  batchOf(stream, [
    { sym: "a", v: 1, qty: 10 },
    { sym: "b", v: 1, qty: 20 },
    { sym: "a", v: 2, qty: 30 },
  ]);
const matched = (op: LookupJoinOperator) =>
  op
    .processBatch(probe(), 0)
    .flatMap(batchRows)
    .map((r) => `${r.sym}/${r.v}:${r.name}`);

describe.each(["json", "avro", "arrow"] as Format[])("table tombstones (%s keys)", (format) => {
  const decoder = new TombstoneDecoder(table, ["symbol", "venue"], format);

  it("turn each message key into a row of its key columns with every other column null", () => {
    const res = decoder.decode(
      keysOf(format, [
        { symbol: "a", venue: 1 },
        { symbol: "b", venue: 7 },
      ]),
    );
    expect(res.bad).toEqual([]);
    expect(res.batches.flatMap(batchRows)).toEqual([
      { symbol: "a", venue: 1, name: null, price: null },
      { symbol: "b", venue: 7, name: null, price: null },
    ]);
    expect(res.batches[0].schema.fields.map((f) => f.name)).toEqual(["symbol", "venue", "name", "price"]);
  });

  it("delete the key from the lookup table, in order with upserts, and a restored snapshot does not bring it back", () => {
    const op = lookupJoin();
    op.processBatch(
      batchOf(table, [
        { symbol: "a", venue: 1, name: "A1", price: 1 },
        { symbol: "b", venue: 1, name: "B1", price: 2 },
        { symbol: "a", venue: 2, name: "A2", price: 3 },
      ]),
      1,
    );
    expect(matched(op)).toEqual(["a/1:A1", "b/1:B1", "a/2:A2"]);
    for (const b of decoder.decode(
      keysOf(format, [
        { symbol: "a", venue: 1 },
        { symbol: "b", venue: 1 },
      ]),
    ).batches)
      op.processBatch(b, 1);
    op.processBatch(batchOf(table, [{ symbol: "b", venue: 1, name: "B2", price: 4 }]), 1);
    expect(matched(op)).toEqual(["b/1:B2", "a/2:A2"]);
    expect(op.tableSize()).toBe(2);

    const restored = lookupJoin();
    restored.restore(throughStorage(op.snapshot()));
    expect(matched(restored)).toEqual(["b/1:B2", "a/2:A2"]);
    expect(restored.tableSize()).toBe(2);
  });

  it("report a tombstone without a key, or with a key that does not decode, and keep the others", () => {
    const [good] = keysOf(format, [{ symbol: "c", venue: 3 }]);
    const res = decoder.decode([null, Buffer.from("{not a key"), good]);
    expect(res.batches.flatMap(batchRows)).toEqual([{ symbol: "c", venue: 3, name: null, price: null }]);
    expect(res.bad.map((b) => b.index)).toEqual([0, 1]);
    expect(res.bad[0].detail).toMatch(/tombstone without a key/);
    expect(res.bad[1].detail).toMatch(/^the key of a tombstone: /);
  });
});

describe("table tombstones", () => {
  it("are reported bad on a table of key columns only, which cannot tell a delete from an upsert", () => {
    const keysOnly = arrowSchema([{ name: "symbol", type: "utf8" }]);
    const res = new TombstoneDecoder(keysOnly, ["symbol"], "json").decode(json([{ symbol: "a" }]));
    expect(res.batches).toEqual([]);
    expect(res.bad).toEqual([
      { index: 0, reason: "schema-mismatch", detail: expect.stringMatching(/give the table a value column/) },
    ]);
  });
});

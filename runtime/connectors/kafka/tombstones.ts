import { type Data, type Field, type RecordBatch, Schema } from "apache-arrow";
import type { Format } from "../../contract/spec/schema.js";
import type { BadMessage, DecodeResult, Decoder } from "../../formats/format.js";
import { createDecoder } from "../../formats/index.js";
import { nullColumn } from "../../operators/join/columns.js";
import { columnsOf, makeBatch } from "../../types/column.js";

/**
 * Tombstones of a table topic: a message with a key and no value deletes its key. The key is read
 * in the topic's format over the table's key columns, as a keyed Kafka sink writes it (json
 * `{"symbol":"ACME"}`, avro a record of the key columns; arrow an IPC stream of key columns, every
 * row of which is deleted). Each becomes a row with the key columns and nulls everywhere else: the
 * lookup table's delete (runtime/operators/join/lookup-table.ts). A table of key columns only has
 * no other column to carry the delete, so its tombstones are reported bad instead of read as
 * upserts that would keep the key.
 */
export class TombstoneDecoder {
  private readonly keys: Decoder;
  private readonly keyIndex: number[];
  private readonly valueless: boolean;

  constructor(
    private readonly schema: Schema,
    tableKey: string[],
    format: Format,
  ) {
    const fields = schema.fields as Field[];
    this.keyIndex = tableKey.map((k) => fields.findIndex((f) => f.name === k));
    this.keys = createDecoder(format, new Schema(this.keyIndex.map((i) => fields[i])));
    this.valueless = this.keyIndex.length === fields.length;
  }

  /** The delete rows of tombstones with these message keys; `bad` indexes are into `keys`. */
  decode(keys: ReadonlyArray<Uint8Array | null>): DecodeResult {
    const bad: BadMessage[] = [];
    const given: Uint8Array[] = [];
    const at: number[] = [];
    keys.forEach((k, index) => {
      if (this.valueless) bad.push({ index, reason: "schema-mismatch", detail: VALUELESS });
      else if (k === null)
        bad.push({ index, reason: "malformed", detail: "a tombstone without a key: there is nothing to delete" });
      else {
        given.push(k);
        at.push(index);
      }
    });
    if (given.length === 0) return { batches: [], bad };
    const res = this.keys.decode(given);
    for (const b of res.bad)
      bad.push({ index: at[b.index], reason: b.reason, detail: `the key of a tombstone: ${b.detail}` });
    bad.sort((a, b) => a.index - b.index);
    return { batches: res.batches.map((b) => this.deletes(b)), bad };
  }

  private deletes(keyBatch: RecordBatch): RecordBatch {
    const n = keyBatch.numRows;
    const keyCols = columnsOf(keyBatch);
    const cols: Data[] = (this.schema.fields as Field[]).map((f, i) => {
      const k = this.keyIndex.indexOf(i);
      return k >= 0 ? keyCols[k] : nullColumn(f.type, n);
    });
    return makeBatch(this.schema, cols, n);
  }
}

const VALUELESS =
  "a tombstone on a table whose schema holds only its key columns: such a table cannot tell a delete " +
  "from an upsert; give the table a value column";

import { type Data, type Field, type RecordBatch, Schema } from "apache-arrow";
import { hashRows } from "../../kernels/hash.js";
import { takeData } from "../../kernels/take.js";
import { makeBatch, validityBytes } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { nullColumn, takeOrNull, unslicedColumns } from "./columns.js";
import { JoinConfigError } from "./errors.js";
import { checkKeyTypes, declaredWidths, hashColumns, keyEquals, keyFields } from "./keys.js";
import { LookupTable } from "./lookup-table.js";
import { joinedFields } from "./output-schema.js";

export interface LookupJoinOptions {
  name: string;
  /** The stream being enriched (input 0). */
  input: StreamInfo;
  /** The table's rows as they arrive from its compacted topic (input 1). */
  table: StreamInfo;
  /** Name of the table source: prefix of table columns whose names collide with stream ones. */
  tableName: string;
  /** Stream columns matched against the table key, in order. */
  key: string[];
  /** The table's key columns (the source's `table.key`). */
  tableKey: string[];
  /** left keeps stream rows without a table row (with nulls); inner drops them. */
  type: "inner" | "left";
  /** Number of key groups (the table is snapshotted per key group). */
  maxParallelism: number;
}

/**
 * Enriches each stream row with the current table row of its key. Input 1 carries table updates
 * (latest row per key wins; a row whose non-key columns are all null deletes its key); input 0
 * rows are looked up as they arrive, against the table as it is at that moment.
 *
 * Partitioning: the table's key group is hashRows(table key columns) % maxParallelism. A stream row
 * goes to the same group when its key columns are hashed at the table's integer widths, i.e.
 * hashRows(hashColumns(streamKeyColumns, declaredWidths(tableKeyFields))) (see `streamKeyHashes`).
 */
export class LookupJoinOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  private readonly table: LookupTable;
  private readonly keyIndex: number[];
  private readonly valueIndex: number[];
  private readonly widths: (32 | 64 | null)[];
  private readonly inner: boolean;
  private readonly maxParallelism: number;

  constructor(o: LookupJoinOptions) {
    this.name = o.name;
    if (o.type !== "inner" && o.type !== "left")
      throw new JoinConfigError(o.name, `lookup join type must be "inner" or "left", got "${String(o.type)}"`);
    if (!Number.isInteger(o.maxParallelism) || o.maxParallelism < 1 || o.maxParallelism > 65536)
      throw new JoinConfigError(o.name, `maxParallelism must be an integer in 1..65536, got ${o.maxParallelism}`);
    this.inner = o.type === "inner";
    this.maxParallelism = o.maxParallelism;
    const sf = o.input.schema.fields as Field[];
    const tf = o.table.schema.fields as Field[];
    this.keyIndex = keyFields(o.name, "the stream", sf, o.key);
    const tableKey = keyFields(o.name, `table ${o.tableName}`, tf, o.tableKey);
    const tableKeyFields = tableKey.map((i) => tf[i]);
    checkKeyTypes(
      o.name,
      this.keyIndex.map((i) => sf[i]),
      tableKeyFields,
    );
    this.widths = declaredWidths(tableKeyFields);
    this.valueIndex = tf.map((_, i) => i).filter((i) => !tableKey.includes(i));
    this.table = new LookupTable(tf, tableKey);
    const fields = joinedFields(
      o.name,
      sf,
      this.valueIndex.map((i) => tf[i]),
      o.tableName,
      { rightNullable: !this.inner },
    );
    this.output = { schema: new Schema(fields), timeField: o.input.timeField, keys: o.input.keys };
  }

  processBatch(batch: RecordBatch, input: number): RecordBatch[] {
    if (input === 1) {
      if (batch.numCols !== this.table.fields.length)
        throw new Error(
          `${this.name}: table batch has ${batch.numCols} columns, the table schema ${this.table.fields.length}`,
        );
      this.table.apply(unslicedColumns(batch), batch.numRows);
      return [];
    }
    if (input !== 0) throw new Error(`${this.name}: a lookup join has inputs 0 (stream) and 1 (table), got ${input}`);
    const n = batch.numRows;
    if (n === 0) return [];
    const cols = unslicedColumns(batch);
    const tableCols = this.table.columns();
    if (this.table.size === 0) {
      if (this.inner) return [];
      return [
        this.emit(
          cols,
          this.valueIndex.map((i) => nullColumn(tableCols[i].type, n, tableCols[i].dictionary)),
          n,
        ),
      ];
    }
    const keyCols = this.keyIndex.map((k) => cols[k]);
    const slots = this.table.lookup(
      this.streamKeyHashes(cols, n),
      keyValidity(keyCols, n),
      n,
      keyEquals(keyCols, this.table.keyColumns()),
    );
    if (!this.inner)
      return [
        this.emit(
          cols,
          this.valueIndex.map((i) => takeOrNull(tableCols[i], slots, n)),
          n,
        ),
      ];
    let m = 0;
    for (let i = 0; i < n; i++) if (slots[i] >= 0) m++;
    if (m === 0) return [];
    if (m === n)
      return [
        this.emit(
          cols,
          this.valueIndex.map((i) => takeData(tableCols[i], slots, n)),
          n,
        ),
      ];
    const rows = new Int32Array(m);
    const hits = new Int32Array(m);
    for (let i = 0, k = 0; i < n; i++) {
      if (slots[i] < 0) continue;
      rows[k] = i;
      hits[k++] = slots[i];
    }
    const streamCols = cols.map((c) => takeData(c, rows, m));
    return [
      this.emit(
        streamCols,
        this.valueIndex.map((i) => takeData(tableCols[i], hits, m)),
        m,
      ),
    ];
  }

  /** Hashes of stream keys that equal the table's hashes of the same key values. */
  streamKeyHashes(cols: Data[], n: number): Uint32Array {
    return hashRows(
      hashColumns(
        this.keyIndex.map((k) => cols[k]),
        this.widths,
      ),
      n,
    );
  }

  private emit(streamCols: Data[], tableCols: Data[], n: number): RecordBatch {
    return makeBatch(this.output.schema, [...streamCols, ...tableCols], n);
  }

  processWatermark(): RecordBatch[] {
    return [];
  }

  snapshot(): OperatorSnapshot {
    return { meta: { rows: this.table.size }, keyGroups: this.table.snapshot(this.maxParallelism) };
  }

  restore(snapshot: GatheredSnapshot): void {
    this.table.clear();
    for (const batch of snapshot.keyGroups.values()) this.table.apply(unslicedColumns(batch), batch.numRows);
  }

  lateRecords(): number {
    return 0;
  }

  /** Live table rows (for tests and state-size metrics). */
  tableSize(): number {
    return this.table.size;
  }
}

/** 1 where every key column is non-null; null when no key column has nulls. */
function keyValidity(keyCols: Data[], n: number): Uint8Array | null {
  let ok: Uint8Array | null = null;
  for (const c of keyCols) {
    const v = validityBytes(c);
    if (!v) continue;
    if (!ok) ok = v;
    else for (let i = 0; i < n; i++) ok[i] &= v[i];
  }
  return ok;
}

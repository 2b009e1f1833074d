import { type Data, Field, Int64, type RecordBatch, Schema } from "apache-arrow";
import { takeBatch } from "../../kernels/take.js";
import { KeyTable } from "../../state/key-table.js";
import { checkStateMeta } from "../../state/restore-checks.js";
import { int64Data } from "../../types/builders.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { AggregateSpecError } from "../window/aggregate-spec.js";
import type { TopNOptions } from "../window/top-n.js";
import { compareRows, insertionPoint, type Kept, type OrderKey, parseOrderBy } from "../window/top-n-order.js";
import { concatBatches, keptRowsByKeyGroup, topNStateConfig } from "../window/top-n-state.js";
import { columnIndex } from "../window/window-config.js";

/**
 * As a window Top-N's options, over any stream (no window bounds); `rowNumber` is required when
 * limit > 1, since the place is part of the upsert key.
 */
export type UpsertTopNOptions = TopNOptions;

const VERSION = 1;

/**
 * Updating Top-N over a stream's rows (Flink's ROW_NUMBER() OVER (PARTITION BY k ORDER BY ...)
 * <= N without a window; N = 1 is deduplication, e.g. the last bid per key). Per partition it
 * keeps the best `limit` rows seen; after each batch it emits every place 1..m of each partition
 * whose kept rows the batch changed. The output is an upsert stream on (partition, rowNumber),
 * or on the partition alone when limit is 1: the last row per place is the current Top-N. A
 * partition's rows only get better or more, so no place is ever deleted.
 *
 * The rows a batch adds are copied out of it (its other rows are not retained); checkpoints hold
 * each key group's kept rows as one batch of the input's schema, best first, read back like input.
 */
export class UpsertTopNOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  private readonly partitionIndexes: number[];
  private readonly order: OrderKey[];
  private readonly keys: KeyTable;
  private readonly groups = new Map<number, Kept[]>();
  private readonly batches = new Map<number, { batch: RecordBatch; cols: Data[]; uses: number }>();
  private nextBatch = 0;

  constructor(readonly options: UpsertTopNOptions) {
    const { name, input, partitionBy, limit, rowNumber, maxParallelism } = options;
    this.name = name;
    const schema = input.schema;
    if (!Number.isInteger(limit) || limit < 1)
      throw new AggregateSpecError(name, `limit must be a positive integer, got ${limit}`);
    if (limit > 1 && rowNumber === undefined)
      throw new AggregateSpecError(
        name,
        `an updating Top-N of ${limit} rows needs rowNumber: the place is part of the upsert key`,
      );
    if (rowNumber !== undefined && schema.fields.some((f) => f.name === rowNumber))
      throw new AggregateSpecError(name, `rowNumber "${rowNumber}" is already a column; pick another name`);
    this.partitionIndexes = partitionBy.map((k) => columnIndex(name, schema, k, "partition column"));
    this.order = parseOrderBy(name, options.orderBy, schema);
    this.keys = new KeyTable(
      this.partitionIndexes.map((i) => schema.fields[i]),
      maxParallelism,
    );
    const fields = rowNumber ? [...schema.fields, new Field(rowNumber, new Int64(), false)] : schema.fields;
    const upsertKey = limit === 1 ? [...partitionBy] : [...partitionBy, rowNumber!];
    this.output = { schema: new Schema(fields), keys: input.keys, upsertKey };
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const changed = this.ingest(batch);
    if (changed.length === 0) return [];
    return [this.gather(changed.flatMap((g) => this.groups.get(g)!.map((k, i) => ({ k, place: i + 1 }))))];
  }

  /** Offers every row of a batch to its partition; returns the partitions whose rows changed. */
  private ingest(batch: RecordBatch): number[] {
    const n = batch.numRows;
    if (n === 0) return [];
    const cols = columnsOf(batch);
    const groups =
      this.partitionIndexes.length > 0
        ? this.keys.insert(
            this.partitionIndexes.map((i) => cols[i]),
            n,
          )
        : this.globalGroups(n);
    const id = this.nextBatch++;
    const entry = { batch, cols, uses: 0 };
    this.batches.set(id, entry);
    const colsOf = (k: Kept) => this.batches.get(k.batch)!.cols;
    const better = (a: Kept, b: Kept) => compareRows(this.order, colsOf(a), a.row, colsOf(b), b.row) < 0;
    const changed = new Set<number>();
    const added: Kept[] = [];
    for (let i = 0; i < n; i++) {
      let rows = this.groups.get(groups[i]);
      if (!rows) this.groups.set(groups[i], (rows = []));
      const row = { batch: id, row: i };
      const at = insertionPoint(rows, row, better);
      if (at >= this.options.limit) continue;
      rows.splice(at, 0, row);
      entry.uses++;
      added.push(row);
      changed.add(groups[i]);
      if (rows.length > this.options.limit) this.release(rows.pop()!);
    }
    if (entry.uses === 0) this.batches.delete(id);
    else this.compact(id, added);
    return [...changed];
  }

  private globalGroups(n: number): Int32Array {
    if (this.keys.size === 0) this.keys.insert([], 1);
    return new Int32Array(n);
  }

  /** Copies the rows of batch `id` still kept into a batch of their own, so the rest is not retained. */
  private compact(id: number, added: Kept[]): void {
    const entry = this.batches.get(id)!;
    const live = added.filter((k) => k.row >= 0).sort((a, b) => a.row - b.row);
    if (live.length === entry.batch.numRows) return;
    const batch = takeBatch(
      entry.batch,
      Int32Array.from(live, (k) => k.row),
    );
    live.forEach((k, j) => {
      k.row = j;
    });
    this.batches.set(id, { batch, cols: columnsOf(batch), uses: entry.uses });
  }

  private release(k: Kept): void {
    const e = this.batches.get(k.batch)!;
    k.row = -1;
    if (--e.uses === 0) this.batches.delete(k.batch);
  }

  /**
   * The rows as one batch in the order asked (partition by partition, place by place, however the
   * rows are spread over retained batches: a restored operator emits what an uninterrupted one does).
   */
  private gather(rows: { k: Kept; place: number }[], withNumbers = true): RecordBatch {
    const byBatch = new Map<number, number[]>();
    rows.forEach((r, i) => {
      const list = byBatch.get(r.k.batch) ?? [];
      list.push(i);
      byBatch.set(r.k.batch, list);
    });
    const parts: RecordBatch[] = [];
    const at = new Int32Array(rows.length);
    let offset = 0;
    for (const [id, list] of byBatch) {
      parts.push(
        takeBatch(
          this.batches.get(id)!.batch,
          Int32Array.from(list, (i) => rows[i].k.row),
        ),
      );
      for (const [j, i] of list.entries()) at[i] = offset + j;
      offset += list.length;
    }
    const ordered = takeBatch(concatBatches(parts), at);
    if (!withNumbers || !this.options.rowNumber) return ordered;
    const numbers = int64Data(Float64Array.from(rows, (r) => r.place));
    return makeBatch(this.output.schema, [...columnsOf(ordered), numbers], rows.length);
  }

  processWatermark(_watermark: number): RecordBatch[] {
    return [];
  }

  snapshot(): OperatorSnapshot {
    // Retained batches are immutable: gather now, while their rows are kept.
    const keyGroups = keptRowsByKeyGroup(
      this.groups,
      (g) => this.keys.keyGroupOf(g),
      (rows) => this.gather(rows, false),
    );
    return { meta: { version: VERSION, ...topNStateConfig(this.options) }, keyGroups };
  }

  /** Adds checkpointed rows (the key groups this subtask now owns), emitting nothing. */
  restore(snapshot: GatheredSnapshot): void {
    const meta = snapshot.meta;
    checkStateMeta(this.name, meta, VERSION, topNStateConfig(this.options));
    for (const batch of snapshot.keyGroups.values()) this.ingest(batch);
  }

  lateRecords(): number {
    return 0;
  }
}

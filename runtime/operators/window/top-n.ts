import { type Data, Field, Int64, type RecordBatch, Schema } from "apache-arrow";
import { takeBatch } from "../../kernels/take.js";
import { KeyTable } from "../../state/key-table.js";
import { checkStateMeta } from "../../state/restore-checks.js";
import { int64Data } from "../../types/builders.js";
import { columnsOf, makeBatch, valueAt } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { AggregateSpecError } from "./aggregate-spec.js";
import { compareRows, insertionPoint, type Kept, type OrderKey, parseOrderBy } from "./top-n-order.js";
import { concatBatches, keptRowsByKeyGroup, topNStateConfig } from "./top-n-state.js";
import { columnIndex } from "./window-config.js";

export interface TopNOptions {
  name: string;
  /** A window's output: it has `window_start` and `window_end`, which always partition. */
  input: StreamInfo;
  /** More partition columns (the window's keys, or fewer). */
  partitionBy: string[];
  /** "price DESC", "auction" (ASC): the first N rows of each partition in this order are kept. */
  orderBy: string[];
  limit: number;
  /** Adds this int64 column holding each row's place (1..limit), as ROW_NUMBER() does. */
  rowNumber?: string;
  maxParallelism: number;
}

const VERSION = 1;
const BOUNDS = ["window_start", "window_end"];

/**
 * Window Top-N (Flink's ROW_NUMBER() OVER (PARTITION BY window_start, window_end, ... ORDER BY
 * ...) <= N over a window's output), and window deduplication as its N = 1 case. Per partition
 * it keeps the best N rows seen; when the watermark reaches the partition's window_end (every
 * row of that window has arrived: a window emits its rows before it forwards that watermark) the
 * rows go out, in order, and the partition's state is dropped. Rows whose window_end the
 * watermark has passed are late: dropped and counted.
 *
 * Kept rows stay in the input batches they came in (retained while one of their rows is kept).
 * Checkpoints hold the kept rows of each key group as one batch of the input's schema, so a
 * restore reads them back like input.
 */
export class TopNOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  readonly maxParallelism: number;
  private readonly partitionIndexes: number[];
  private readonly endIndex: number;
  private readonly order: OrderKey[];
  private readonly keys: KeyTable;
  /** Per group: the window end and the kept rows, best first. */
  private readonly groups = new Map<number, { end: number; rows: Kept[] }>();
  private readonly batches = new Map<number, { batch: RecordBatch; cols: Data[]; uses: number }>();
  private nextBatch = 0;
  private watermark = Number.NEGATIVE_INFINITY;
  private late = 0;
  private restored = false;

  constructor(readonly options: TopNOptions) {
    const { name, input, partitionBy, limit, maxParallelism } = options;
    this.name = name;
    this.maxParallelism = maxParallelism;
    const schema = input.schema;
    if (!Number.isInteger(limit) || limit < 1)
      throw new AggregateSpecError(name, `limit must be a positive integer, got ${limit}`);
    for (const b of BOUNDS)
      if (!schema.fields.some((f) => f.name === b))
        throw new AggregateSpecError(
          name,
          `Top-N runs over a window's output, which has ${b}; this stream has ${schema.fields.map((f) => f.name).join(", ")}`,
        );
    const partition = [...BOUNDS, ...partitionBy.filter((k) => !BOUNDS.includes(k))];
    this.partitionIndexes = partition.map((k) => columnIndex(name, schema, k, "partition column"));
    this.endIndex = columnIndex(name, schema, "window_end", "window bound");
    this.order = parseOrderBy(name, options.orderBy, schema);
    this.keys = new KeyTable(
      this.partitionIndexes.map((i) => schema.fields[i]),
      maxParallelism,
    );
    const rowNumber = options.rowNumber;
    if (rowNumber !== undefined && schema.fields.some((f) => f.name === rowNumber))
      throw new AggregateSpecError(name, `rowNumber "${rowNumber}" is already a column; pick another name`);
    const fields = rowNumber ? [...schema.fields, new Field(rowNumber, new Int64(), false)] : schema.fields;
    this.output = { schema: new Schema(fields), timeField: input.timeField, keys: input.keys };
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    this.ingest(batch, true);
    return [];
  }

  /** Offers every row of a batch to its partition; `checkLate` is off for restored rows. */
  private ingest(batch: RecordBatch, checkLate: boolean): void {
    const n = batch.numRows;
    if (n === 0) return;
    const cols = columnsOf(batch);
    const groups = this.keys.insert(
      this.partitionIndexes.map((i) => cols[i]),
      n,
    );
    const id = this.nextBatch++;
    const entry = { batch, cols, uses: 0 };
    this.batches.set(id, entry);
    const colsOf = (k: Kept) => this.batches.get(k.batch)!.cols;
    const better = (a: Kept, b: Kept) => compareRows(this.order, colsOf(a), a.row, colsOf(b), b.row) < 0;
    for (let i = 0; i < n; i++) {
      const end = Number(valueAt(cols[this.endIndex], i));
      if (checkLate && end <= this.watermark) {
        this.late++;
        continue;
      }
      let g = this.groups.get(groups[i]);
      if (!g) this.groups.set(groups[i], (g = { end, rows: [] }));
      const row = { batch: id, row: i };
      const at = insertionPoint(g.rows, row, better);
      if (at >= this.options.limit) continue;
      g.rows.splice(at, 0, row);
      entry.uses++;
      if (g.rows.length > this.options.limit) this.release(g.rows.pop()!);
    }
    if (entry.uses === 0) this.batches.delete(id);
  }

  private release(k: Kept): void {
    const e = this.batches.get(k.batch)!;
    if (--e.uses === 0) this.batches.delete(k.batch);
  }

  processWatermark(watermark: number): RecordBatch[] {
    if (!(watermark > this.watermark)) return [];
    this.watermark = watermark;
    const fired = [...this.groups].filter(([, g]) => g.end <= watermark).sort((a, b) => a[1].end - b[1].end);
    if (fired.length === 0) return [];
    const out = this.gather(fired.flatMap(([, g]) => g.rows.map((k, i) => ({ k, place: i + 1 }))));
    for (const [id, g] of fired) {
      for (const k of g.rows) this.release(k);
      this.groups.delete(id);
    }
    this.compactKeys();
    return out;
  }

  /** The rows as output batches (one per retained batch they sit in), with their row numbers. */
  private gather(rows: { k: Kept; place: number }[], withNumbers = true): RecordBatch[] {
    const byBatch = new Map<number, { k: Kept; place: number }[]>();
    for (const r of rows) {
      const list = byBatch.get(r.k.batch) ?? [];
      list.push(r);
      byBatch.set(r.k.batch, list);
    }
    return [...byBatch].map(([id, list]) => {
      const taken = takeBatch(
        this.batches.get(id)!.batch,
        Int32Array.from(list, (r) => r.k.row),
      );
      if (!withNumbers || !this.options.rowNumber) return taken;
      const numbers = int64Data(Float64Array.from(list, (r) => r.place));
      return makeBatch(this.output.schema, [...columnsOf(taken), numbers], list.length);
    });
  }

  /** Drops the key table's fired partitions once they are most of it. */
  private compactKeys(): void {
    if (this.keys.size < 4096 || this.keys.size < 2 * this.groups.size) return;
    const keep = new Uint8Array(this.keys.size);
    for (const g of this.groups.keys()) keep[g] = 1;
    const remap = this.keys.compact(keep);
    const moved = [...this.groups].map(([g, s]) => [remap[g], s] as const);
    this.groups.clear();
    for (const [g, s] of moved) this.groups.set(g, s);
  }

  snapshot(): OperatorSnapshot {
    // Batches are immutable and kept rows only move on fire: gather now, while they are retained.
    const keyGroups = keptRowsByKeyGroup(
      [...this.groups].map(([g, s]) => [g, s.rows] as const),
      (g) => this.keys.keyGroupOf(g),
      (rows) => concatBatches(this.gather(rows, false)),
    );
    const meta = { version: VERSION, watermark: String(this.watermark), ...topNStateConfig(this.options) };
    return { meta, keyGroups };
  }

  restore(snapshot: GatheredSnapshot): void {
    const meta = snapshot.meta;
    checkStateMeta(this.name, meta, VERSION, topNStateConfig(this.options));
    for (const batch of snapshot.keyGroups.values()) this.ingest(batch, false);
    const watermark = Number(meta.watermark);
    this.watermark = this.restored ? Math.min(this.watermark, watermark) : watermark;
    this.restored = true;
  }

  lateRecords(): number {
    return this.late;
  }
}

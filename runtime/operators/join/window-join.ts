import { type Data, Field, type RecordBatch, Schema, TimestampMillisecond } from "apache-arrow";
import type { WindowSpec } from "../../contract/spec/schema.js";
import { takeData } from "../../kernels/take.js";
import { makeBatch } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { constantTimestamp, timeColumn, unslicedColumns } from "./columns.js";
import { JoinConfigError } from "./errors.js";
import { PairBuffer } from "./growable.js";
import { HashIndex } from "./hash-index.js";
import { checkKeyTypes, hashWidths, keyEquals, keyFields } from "./keys.js";
import { joinedFields } from "./output-schema.js";
import { Panes } from "./panes.js";
import { JoinSide, type WindowRows } from "./window-join-side.js";
import { restoreSides, snapshotSides, watermarkMeta, watermarkOf } from "./window-join-snapshot.js";

export interface WindowJoinOptions {
  name: string;
  left: StreamInfo;
  right: StreamInfo;
  /** Name of the right stream: prefix of right columns whose names collide with left ones. */
  rightName: string;
  leftKey: string[];
  rightKey: string[];
  window: WindowSpec;
  /** Number of key groups (state is snapshotted per key group). */
  maxParallelism: number;
}

/** Rows per output batch: a large window's result is cut into batches of at most this many rows. */
const MAX_OUTPUT_ROWS = 1 << 16;

/**
 * Inner equi-join of two event-time streams within tumbling or sliding windows. Each side's rows
 * are buffered per pane (see Panes) as Arrow columns with key hashes; when the watermark reaches a
 * window's end, the smaller side of the window is hashed, the other side probes it, and the output
 * is gathered column by column from the matching row pairs. Input 0 is the left side, 1 the right.
 */
export class WindowJoinOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  private readonly windows: Panes;
  private readonly sides: [JoinSide, JoinSide];
  private readonly maxParallelism: number;
  private readonly pairs = new PairBuffer();
  private watermark = -Infinity;
  private late = 0;

  constructor(o: WindowJoinOptions) {
    this.name = o.name;
    this.windows = new Panes(o.name, o.window);
    if (!Number.isInteger(o.maxParallelism) || o.maxParallelism < 1 || o.maxParallelism > 65536)
      throw new JoinConfigError(o.name, `maxParallelism must be an integer in 1..65536, got ${o.maxParallelism}`);
    this.maxParallelism = o.maxParallelism;
    const lf = o.left.schema.fields as Field[];
    const rf = o.right.schema.fields as Field[];
    const lk = keyFields(o.name, "the left input", lf, o.leftKey);
    const rk = keyFields(o.name, `the right input (${o.rightName})`, rf, o.rightKey);
    checkKeyTypes(
      o.name,
      lk.map((i) => lf[i]),
      rk.map((i) => rf[i]),
    );
    const widths = hashWidths(
      lk.map((i) => lf[i]),
      rk.map((i) => rf[i]),
    );
    this.sides = [
      new JoinSide(lf, timeColumn(o.name, "left", o.left, lf), lk, widths, this.windows),
      new JoinSide(rf, timeColumn(o.name, `right (${o.rightName})`, o.right, rf), rk, widths, this.windows),
    ];
    const ts = new TimestampMillisecond();
    const fields = [
      ...joinedFields(o.name, lf, rf, o.rightName, { reserved: ["window_start", "window_end"] }),
      new Field("window_start", ts, false),
      new Field("window_end", ts, false),
    ];
    this.output = { schema: new Schema(fields), timeField: "window_end", keys: o.leftKey };
  }

  processBatch(batch: RecordBatch, input: number): RecordBatch[] {
    const side = this.sides[input];
    if (!side) throw new Error(`${this.name}: a join has inputs 0 (left) and 1 (right), got ${input}`);
    if (batch.numRows === 0) return [];
    if (batch.numCols !== side.fields.length)
      throw new Error(
        `${this.name}: input ${input} batch has ${batch.numCols} columns, its schema ${side.fields.length}`,
      );
    this.late += side.add(unslicedColumns(batch), batch.numRows, this.watermark);
    return [];
  }

  processWatermark(watermark: number): RecordBatch[] {
    if (!(watermark > this.watermark)) return [];
    const previous = this.watermark;
    this.watermark = watermark;
    const { size } = this.windows;
    // An inner join has output only for windows with left rows, so those are the candidates.
    const starts = new Set<number>();
    for (const p of this.sides[0].panes.keys())
      for (const s of this.windows.windowStarts(p)) if (s + size > previous && s + size <= watermark) starts.add(s);
    const out: RecordBatch[] = [];
    for (const s of [...starts].sort((a, b) => a - b)) this.fire(s, s + size, out);
    this.sides[0].evict(watermark);
    this.sides[1].evict(watermark);
    return out;
  }

  private fire(start: number, end: number, out: RecordBatch[]): void {
    const left = this.sides[0].window(start, end);
    if (!left) return;
    const right = this.sides[1].window(start, end);
    if (!right) return;
    const pairs = this.pairs;
    pairs.clear();
    const lk = this.sides[0].keys(left.columns);
    const rk = this.sides[1].keys(right.columns);
    // Hash the smaller side; probe with the larger.
    if (right.length <= left.length) {
      HashIndex.build(right.hashes, right.length).probe(left.hashes, left.length, keyEquals(lk, rk), pairs, false);
    } else {
      HashIndex.build(left.hashes, left.length).probe(right.hashes, right.length, keyEquals(rk, lk), pairs, true);
    }
    for (let at = 0; at < pairs.length; at += MAX_OUTPUT_ROWS) {
      const count = Math.min(MAX_OUTPUT_ROWS, pairs.length - at);
      out.push(
        this.gather(
          left,
          right,
          pairs.left.data.subarray(at, at + count),
          pairs.right.data.subarray(at, at + count),
          start,
          end,
        ),
      );
    }
  }

  private gather(
    left: WindowRows,
    right: WindowRows,
    li: Int32Array,
    ri: Int32Array,
    start: number,
    end: number,
  ): RecordBatch {
    const n = li.length;
    const cols: Data[] = [];
    for (const c of left.columns) cols.push(takeData(c, li, n));
    for (const c of right.columns) cols.push(takeData(c, ri, n));
    const fields = this.output.schema.fields;
    cols.push(constantTimestamp(start, n, fields[fields.length - 2].type));
    cols.push(constantTimestamp(end, n, fields[fields.length - 1].type));
    return makeBatch(this.output.schema, cols, n);
  }

  snapshot(): OperatorSnapshot {
    return { meta: watermarkMeta(this.watermark), keyGroups: snapshotSides(this.sides, this.maxParallelism) };
  }

  restore(snapshot: GatheredSnapshot): void {
    this.watermark = watermarkOf(snapshot.meta);
    for (const side of this.sides) side.clear();
    restoreSides(this.sides, snapshot.keyGroups, this.watermark);
  }

  lateRecords(): number {
    return this.late;
  }

  /** Rows buffered on each side (for tests and state-size metrics). */
  bufferedRows(): [number, number] {
    return [this.sides[0].rowCount(), this.sides[1].rowCount()];
  }
}

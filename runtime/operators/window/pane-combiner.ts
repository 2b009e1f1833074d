import { type Data, Field, Float64, type RecordBatch, Schema, TimestampMillisecond } from "apache-arrow";
import { processGpuKernels } from "../../kernels/gpu-kernels.js";
import { KeyTable } from "../../state/key-table.js";
import { float64Data, timestamp64Data } from "../../types/builders.js";
import { columnsOf, float64ToInt64, makeBatch, validityBytes } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import { type Accumulator, BatchInput, grownF64, NumberScratch } from "./accumulator.js";
import { AggregateSpecError, parseAggregates } from "./aggregate-spec.js";
import { groupIdsOf } from "./group-ids.js";
import { grownI32 } from "./slots.js";
import {
  checkTimeField,
  columnIndex,
  createAccumulator,
  type WindowAggregateOptions,
  windowShape,
} from "./window-config.js";

/** The partial rows' column counting the input rows each stands for: late records stay exact. */
const PARTIAL_ROWS = "__rows";

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The columns of partial rows for a key table's keys and the accumulators of a window's
 * aggregates (see PaneCombiner): what both phases agree on.
 */
export function partialSchema(keys: KeyTable, accumulators: readonly Accumulator[]): Schema {
  const bound = (n: string) => new Field(n, new TimestampMillisecond(), true);
  return new Schema([
    ...keys.snapshotFields(),
    bound("window_start"),
    bound("window_end"),
    ...accumulators.flatMap((a) => a.stateFields),
    new Field(PARTIAL_ROWS, new Float64(), false),
  ]);
}

/** Held (key, pane) slots past which the combiner sends what it holds: bounds its memory. */
const MAX_HELD_SLOTS = 1 << 16;

/**
 * The first phase of two-phase window aggregation (Flink's local-global aggregation): the rows
 * bound for the exchange are folded into one partial row per (key, pane), held across batches
 * and sent when the watermark is about to pass the end of a pane held (`due`), before a barrier
 * or the end, or once MAX_HELD_SLOTS are held. So a keyed window ships about one row per key,
 * pane and worker instead of one per event (q7 over 4 splits: one per 4.4 events folding each
 * batch alone, since an auction's bids come from every split). A pane is gcd(size, slide) long
 * and aligned like the windows, so each pane lies wholly inside or outside every window: the
 * second phase (WindowAggregateOperator with `partials`) assigns a partial row by its pane start
 * and decides lateness by window, exactly as a single phase would.
 *
 * Sending before the watermark that reaches a held pane's end keeps every window complete: the
 * second phase fires a window only once every sender's watermark reached its end, and each pane
 * of it was sent before that. Rows of a pane whose windows fired are held like any others and
 * counted late by the second phase, as they would be in one phase.
 *
 * Partial rows: the key columns (dictionary keys as plain utf8), `window_start` and `window_end`
 * of the pane (null for rows without event time, which the second phase drops as late), each
 * aggregate's checkpoint state columns (`<name>.<part>`, which the second phase folds in with the
 * code that restores checkpoints) and `__rows`. Nothing is held at a barrier, so there is nothing
 * to checkpoint.
 */
export class PaneCombiner {
  /** The partial stream: its event time is the pane start, its keys the window's. */
  readonly output: StreamInfo;
  private readonly keyIndexes: number[];
  private readonly timeIndex: number;
  private readonly pane: number;
  private readonly keys: KeyTable;
  private readonly accumulators: Accumulator[];
  private readonly scratch = new NumberScratch();
  private groupIds = new Int32Array(0);
  private rowSlots = new Int32Array(0);
  /** Per pane held: the slot of each group, -1 when none; reset when sent. */
  private paneSlots: Int32Array[] = [];
  /** Pane starts held, by pane index; index 0 holds the rows without event time (NaN). */
  private paneStarts: number[] = [Number.NaN];
  /** The earliest end of a pane held (-Infinity: rows without event time are held). */
  private dueAt = Number.POSITIVE_INFINITY;
  /** Slots held, 0..held-1 in order of first appearance. */
  private held = 0;
  private slotGroup: Int32Array = new Int32Array(1024);
  private slotPane: Int32Array = new Int32Array(1024);
  private slotRows: Float64Array = new Float64Array(1024);

  constructor(options: Omit<WindowAggregateOptions, "windowTime" | "clock">) {
    const { name, input, keys, maxParallelism, window } = options;
    const shape = windowShape(name, window);
    if (shape.kind !== "aligned" || window.time === "processing" || !input.timeField)
      throw new AggregateSpecError(name, "only event-time tumbling and sliding windows aggregate in two phases");
    this.pane = gcd(shape.size, shape.slide);
    const schema = input.schema;
    this.timeIndex = columnIndex(name, schema, input.timeField, "event time column");
    checkTimeField(name, schema.fields[this.timeIndex]);
    this.keyIndexes = keys.map((k) => columnIndex(name, schema, k, "key"));
    this.keys = new KeyTable(
      this.keyIndexes.map((i) => schema.fields[i]),
      maxParallelism,
    );
    const specs = parseAggregates(name, options.aggregates, schema, [...keys, "window_start", "window_end"]);
    this.accumulators = specs.map((s) => createAccumulator(s, schema, options.gpu ?? processGpuKernels()));
    this.output = { schema: partialSchema(this.keys, this.accumulators), timeField: "window_start", keys: [...keys] };
  }

  /** Folds the batch into what is held; the partial rows once MAX_HELD_SLOTS are held, else null. */
  add(batch: RecordBatch): RecordBatch | null {
    const n = batch.numRows;
    const cols = columnsOf(batch);
    const input = new BatchInput(cols, n, this.scratch);
    if (this.groupIds.length < n) {
      this.groupIds = new Int32Array(n);
      this.rowSlots = new Int32Array(n);
    }
    const groups = groupIdsOf(this.keys, this.keyIndexes, cols, n, this.groupIds);
    const before = this.held;
    this.held = this.assign(input.numbersOf(this.timeIndex), validityBytes(cols[this.timeIndex]), groups, n);
    for (const a of this.accumulators) {
      a.grow(this.held);
      for (let s = before; s < this.held; s++) a.reset(s);
      a.update(input, this.rowSlots, n);
    }
    return this.held >= MAX_HELD_SLOTS ? this.take() : null;
  }

  /** Whether a watermark at `watermark` must wait for the partial rows held (take them first). */
  due(watermark: number): boolean {
    return this.dueAt <= watermark;
  }

  /** The partial rows held, in order of first appearance (null when none); holds nothing after. */
  take(): RecordBatch | null {
    const count = this.held;
    if (count === 0) return null;
    const out = this.emit(count);
    for (let s = 0; s < count; s++) this.paneSlots[this.slotPane[s]][this.slotGroup[s]] = -1;
    this.held = 0;
    this.paneStarts = [Number.NaN];
    this.dueAt = Number.POSITIVE_INFINITY;
    this.keys.reset();
    return out;
  }

  /**
   * rowSlots[i] = the slot of row i's (group, pane), new slots numbered on from those held; returns
   * how many are held now.
   */
  private assign(times: Float64Array, valid: Uint8Array | null, groups: Int32Array, n: number): number {
    const starts = this.paneStarts;
    const { pane, rowSlots } = this;
    let count = this.held;
    let p = -1;
    let byGroup = this.slotsOfPane(0);
    // The pane of the last timed row, [from, to): event time mostly stays in it from row to row,
    // which spares a division per row.
    let from = 0;
    let to = -1;
    let timed = 0;
    for (let i = 0; i < n; i++) {
      let q = 0;
      if (valid === null || valid[i] !== 0) {
        const t = times[i];
        if (!(t >= from && t < to)) {
          from = Math.floor(t / pane) * pane;
          to = from + pane;
          timed = this.paneIndex(starts, from, timed);
          if (to < this.dueAt) this.dueAt = to;
        }
        q = timed;
      }
      if (q !== p) {
        p = q;
        byGroup = this.slotsOfPane(p);
        if (p === 0) this.dueAt = Number.NEGATIVE_INFINITY;
      }
      const g = groups[i];
      let s = byGroup[g];
      if (s < 0) {
        s = count++;
        byGroup[g] = s;
        if (count > this.slotGroup.length) this.growSlots();
        this.slotGroup[s] = g;
        this.slotPane[s] = p;
        this.slotRows[s] = 0;
      }
      this.slotRows[s]++;
      rowSlots[i] = s;
    }
    return count;
  }

  /** The index of the pane starting at `start` in `starts` (added when new); `last` is tried first. */
  private paneIndex(starts: number[], start: number, last: number): number {
    if (last > 0 && starts[last] === start) return last;
    const p = starts.indexOf(start, 1);
    return p > 0 ? p : starts.push(start) - 1;
  }

  /** The group → slot array of pane index p, sized for every group in the key table. */
  private slotsOfPane(p: number): Int32Array {
    const size = this.keys.size;
    let a = this.paneSlots[p];
    if (a === undefined) a = this.paneSlots[p] = new Int32Array(Math.max(1024, size)).fill(-1);
    else if (a.length < size) a = this.paneSlots[p] = grownI32(a, size * 2, -1);
    return a;
  }

  private growSlots(): void {
    const c = this.slotGroup.length * 2;
    this.slotGroup = grownI32(this.slotGroup, c);
    this.slotPane = grownI32(this.slotPane, c);
    this.slotRows = grownF64(this.slotRows, c);
  }

  private emit(count: number): RecordBatch {
    const slots = new Int32Array(count);
    for (let s = 0; s < count; s++) slots[s] = s;
    const [starts, ends] = this.paneBounds(count);
    const columns = [
      ...this.keys.keyColumns(this.slotGroup, count, true),
      starts,
      ends,
      ...this.accumulators.flatMap((a) => a.stateColumns(slots, count)),
      float64Data(this.slotRows.slice(0, count)),
    ];
    return makeBatch(this.output.schema, columns, count);
  }

  /**
   * The pane start and end of each slot as timestamp columns, null for the pane without event
   * time. Written as int64 straight from each pane's bounds (a few per batch), not converted row
   * by row from doubles.
   */
  private paneBounds(count: number): [Data, Data] {
    // Each pane's bounds as int64 (two int32 halves); the pane without event time (NaN) gets 0.
    const halves = (ms: number[]) => new Int32Array(float64ToInt64(ms).buffer);
    const from = halves(this.paneStarts);
    const to = halves(this.paneStarts.map((ms) => ms + this.pane));
    const starts = new Int32Array(2 * count);
    const ends = new Int32Array(2 * count);
    let untimed = 0;
    for (let s = 0, j = 0; s < count; s++, j += 2) {
      const p = 2 * this.slotPane[s];
      if (p === 0) untimed++;
      starts[j] = from[p];
      starts[j + 1] = from[p + 1];
      ends[j] = to[p];
      ends[j + 1] = to[p + 1];
    }
    let valid: Uint8Array | null = null;
    if (untimed > 0) {
      valid = new Uint8Array(count);
      for (let s = 0; s < count; s++) valid[s] = this.slotPane[s] === 0 ? 0 : 1;
    }
    return [
      timestamp64Data(new BigInt64Array(starts.buffer), valid),
      timestamp64Data(new BigInt64Array(ends.buffer), valid),
    ];
  }
}

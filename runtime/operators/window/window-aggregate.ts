import { type Data, Field, type RecordBatch, Schema, TimestampMillisecond } from "apache-arrow";
import { processGpuKernels } from "../../kernels/gpu-kernels.js";
import { KeyTable } from "../../state/key-table.js";
import { type Clock, wallClock } from "../../time/processing-time.js";
import { timestampData } from "../../types/builders.js";
import { columnsOf, makeBatch, validityBytes } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { type Accumulator, BatchInput, NumberScratch } from "./accumulator.js";
import { AggregateSpecError, parseAggregates } from "./aggregate-spec.js";
import { AlignedWindows } from "./aligned-windows.js";
import { groupIdsOf } from "./group-ids.js";
import { partialSchema } from "./pane-combiner.js";
import { SessionWindows } from "./session-windows.js";
import { SlotStore } from "./slots.js";
import {
  checkTimeField,
  columnIndex,
  createAccumulator,
  type WindowAggregateOptions,
  windowShape,
} from "./window-config.js";
import { restoreWindowState, snapshotWindowState } from "./window-state.js";

const BOUNDS = ["window_start", "window_end"];
const WINDOW_TIME_BOUNDS = [...BOUNDS, "window_time"];

/** Largest batch emitted: bounds the memory of one output batch when many windows fire at once. */
const MAX_OUTPUT_ROWS = 65536;

/**
 * Keyed event-time windows with aggregates. Output: the key columns (input types), `window_start`,
 * `window_end` (timestamp[ms]), with `windowTime` `window_time` (the event time of the output: see
 * WindowAggregateOptions), then one column per aggregate; a window's row is emitted once,
 * by the first watermark >= its end (+Infinity flushes everything), and its state is dropped.
 * Within one watermark's output, rows are ordered by window end.
 *
 * Per batch: key → group id (KeyTable, vectorized), group × window → slot (AlignedWindows or
 * SessionWindows, arithmetic per row), then each accumulator folds the batch into its typed arrays
 * by slot. Rows with a null event time, or whose windows all fired already, are dropped and
 * counted in lateRecords(). Aggregates skip nulls as in SQL; count(*) counts rows.
 *
 * Processing time (`window.time: processing`): a row belongs to the window of the wall-clock time
 * it arrives at (every row of a batch the same instant), and windows fire on the task's
 * once-a-second processing-time tick after their end, or earlier when a batch or a watermark comes
 * after it (+Infinity, the end of input, fires all). The output then has
 * no event time: its windows follow arrival, not the rows' times.
 *
 * Batches must have the input schema's columns in its order. Integers are aggregated as float64:
 * int64 sums, min and max are exact while they stay within ±2^53.
 */
export class WindowAggregateOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  readonly maxParallelism: number;
  private readonly keyIndexes: number[];
  private readonly timeIndex: number;
  /** Processing-time windows: the clock rows are stamped with; null for event time. */
  private readonly clock: Clock | null;
  private arrivals = new Float64Array(0);
  private readonly keys: KeyTable;
  private readonly accumulators: Accumulator[];
  private readonly slots: SlotStore;
  private readonly aligned: AlignedWindows | null = null;
  private readonly sessions: SessionWindows | null = null;
  private readonly snapshotSchema: Schema;
  private watermark = Number.NEGATIVE_INFINITY;
  private late = 0;
  // Per-batch arrays reused from batch to batch: fresh ones per batch were most of the garbage.
  private readonly scratch = new NumberScratch();
  private groupIds = new Int32Array(0);
  private rowSlots = new Int32Array(0);
  private accepted = new Uint8Array(0);
  private restored = false;
  /** Column names of PaneCombiner's partial rows, when this operator may receive them. */
  private readonly partialNames: string[] | null = null;
  private readonly partialKeys: number[];
  private lastSchema: Schema | null = null;
  private lastIsPartial = false;

  constructor(readonly options: WindowAggregateOptions) {
    const { name, input, keys, maxParallelism } = options;
    this.name = name;
    this.maxParallelism = maxParallelism;
    const schema = input.schema;
    this.clock = options.window.time === "processing" ? (options.clock ?? wallClock) : null;
    if (this.clock) this.timeIndex = -1;
    else {
      if (!input.timeField)
        throw new AggregateSpecError(name, "the input stream has no event time: declare `eventTime` on its source");
      this.timeIndex = columnIndex(name, schema, input.timeField, "event time column");
      checkTimeField(name, schema.fields[this.timeIndex]);
    }
    this.keyIndexes = keys.map((k) => columnIndex(name, schema, k, "key"));
    this.partialKeys = keys.map((_, i) => i);
    const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
    if (repeated !== undefined) throw new AggregateSpecError(name, `key column "${repeated}" is listed twice`);
    const keyFields = this.keyIndexes.map((i) => schema.fields[i]);
    const boundNames = options.windowTime ? WINDOW_TIME_BOUNDS : BOUNDS;
    for (const bound of boundNames)
      if (keys.includes(bound))
        throw new AggregateSpecError(
          name,
          `key column "${bound}" clashes with the window bound of that name; rename it first`,
        );
    this.keys = new KeyTable(keyFields, maxParallelism);
    const specs = parseAggregates(name, options.aggregates, schema, [...keys, ...boundNames]);
    const gpu = options.gpu ?? processGpuKernels();
    this.accumulators = specs.map((s) => createAccumulator(s, schema, gpu));
    this.slots = new SlotStore(this.accumulators);
    const shape = windowShape(name, options.window);
    if (shape.kind === "aligned") this.aligned = new AlignedWindows(shape.size, shape.slide);
    else this.sessions = new SessionWindows(shape.gap, this.slots, this.accumulators);
    if (options.partials) {
      if (!this.aligned || this.clock)
        throw new AggregateSpecError(name, "only event-time tumbling and sliding windows aggregate in two phases");
      this.partialNames = partialSchema(this.keys, this.accumulators).fields.map((f) => f.name);
    }

    const bounds = BOUNDS.map((b) => new Field(b, new TimestampMillisecond(), false));
    const outBounds = boundNames.map((b) => new Field(b, new TimestampMillisecond(), false));
    const outSchema = new Schema([...keyFields, ...outBounds, ...this.accumulators.map((a) => a.outputField)]);
    const timeField = this.clock ? undefined : boundNames[boundNames.length - 1];
    this.output = { schema: outSchema, timeField, keys: [...keys] };
    this.snapshotSchema = new Schema([
      ...this.keys.snapshotFields(),
      ...bounds,
      ...this.accumulators.flatMap((a) => a.stateFields),
    ]);
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const n = batch.numRows;
    if (n === 0) return [];
    if (this.partialNames && this.isPartial(batch.schema)) {
      this.mergePartials(batch, n);
      return [];
    }
    const cols = columnsOf(batch);
    const input = new BatchInput(cols, n, this.scratch);
    const times = this.clock ? this.arrivalTimes(n, this.clock()) : input.numbersOf(this.timeIndex);
    const timeValid = this.clock ? null : validityBytes(cols[this.timeIndex]);
    this.growScratch(n);
    const groups = this.groupsOf(cols, n);
    const { rowSlots, accepted } = this;
    accepted.fill(0, 0, n);
    if (this.aligned) {
      for (let pass = 0; pass < this.aligned.passes; pass++) {
        this.aligned.assign(
          pass,
          times,
          timeValid,
          groups,
          this.keys.size,
          n,
          this.watermark,
          this.slots,
          rowSlots,
          accepted,
        );
        for (const a of this.accumulators) a.update(input, rowSlots, n);
      }
    } else {
      const sessions = this.sessions!;
      sessions.assign(times, timeValid, groups, this.keys.size, n, this.watermark, rowSlots);
      for (const a of this.accumulators) a.update(input, rowSlots, n);
      sessions.finishBatch();
      for (let i = 0; i < n; i++) accepted[i] = rowSlots[i] >= 0 ? 1 : 0;
    }
    let dropped = 0;
    for (let i = 0; i < n; i++) dropped += accepted[i] ^ 1;
    this.late += dropped;
    return this.clock ? this.fire(this.clock()) : [];
  }

  /**
   * Two-phase aggregation's second phase: each partial row (a key's rows of one pane, folded by
   * PaneCombiner) joins the slots of its pane's windows through the checkpoint restore path;
   * rows of windows that already fired count their input rows as late.
   */
  private mergePartials(batch: RecordBatch, n: number): void {
    const cols = columnsOf(batch);
    const nk = this.keyIndexes.length;
    const input = new BatchInput(cols, n, this.scratch);
    const starts = input.numbersOf(nk);
    this.growScratch(n);
    // Partial rows hold the keys first, then the pane's start, which places the row.
    const groups = groupIdsOf(this.keys, this.partialKeys, cols, n, this.groupIds);
    const { rowSlots, accepted } = this;
    accepted.fill(0, 0, n);
    const aligned = this.aligned!;
    const valid = validityBytes(cols[nk]);
    for (let pass = 0; pass < aligned.passes; pass++) {
      aligned.assign(pass, starts, valid, groups, this.keys.size, n, this.watermark, this.slots, rowSlots, accepted);
      let c = nk + 2;
      for (const a of this.accumulators) {
        a.restore(cols.slice(c, c + a.stateFields.length), rowSlots, n);
        c += a.stateFields.length;
      }
    }
    const rows = input.numbersOf(cols.length - 1);
    for (let i = 0; i < n; i++) if (accepted[i] === 0) this.late += rows[i];
  }

  /** Whether batches of this schema are partial rows (checked once per schema object). */
  private isPartial(schema: Schema): boolean {
    if (schema !== this.lastSchema) {
      const names = this.partialNames!;
      this.lastSchema = schema;
      this.lastIsPartial = schema.fields.length === names.length && schema.fields.every((f, i) => f.name === names[i]);
    }
    return this.lastIsPartial;
  }

  private growScratch(n: number): void {
    if (this.rowSlots.length >= n) return;
    this.groupIds = new Int32Array(n);
    this.rowSlots = new Int32Array(n);
    this.accepted = new Uint8Array(n);
  }

  private arrivalTimes(n: number, now: number): Float64Array {
    if (this.arrivals.length < n) this.arrivals = new Float64Array(n);
    return this.arrivals.fill(now, 0, n);
  }

  private groupsOf(cols: Data[], n: number): Int32Array {
    return groupIdsOf(this.keys, this.keyIndexes, cols, n, this.groupIds);
  }

  processWatermark(watermark: number): RecordBatch[] {
    if (!this.clock) return this.fire(watermark);
    return this.fire(watermark === Number.POSITIVE_INFINITY ? watermark : this.clock());
  }

  /** Processing-time windows that the wall clock has passed, fired without waiting for rows. */
  onProcessingTime(): RecordBatch[] {
    return this.clock ? this.fire(this.clock()) : [];
  }

  /** Emits and drops the windows that end at or before `watermark` (event or processing time). */
  private fire(watermark: number): RecordBatch[] {
    if (!(watermark > this.watermark)) return [];
    this.watermark = watermark;
    const fired = this.aligned ? this.aligned.fire(watermark) : this.sessions!.fire(watermark);
    if (fired.length === 0) return [];
    const out: RecordBatch[] = [];
    for (let from = 0; from < fired.length; from += MAX_OUTPUT_ROWS)
      out.push(this.emit(fired.subarray(from, Math.min(fired.length, from + MAX_OUTPUT_ROWS))));
    for (const s of fired) this.slots.free(s);
    let live: Int32Array | null = null;
    const liveSlots = () => (live ??= this.slots.liveSlots());
    for (const a of this.accumulators) a.afterFire(liveSlots);
    this.compactKeys();
    return out;
  }

  private emit(slots: Int32Array): RecordBatch {
    const m = slots.length;
    const groups = new Int32Array(m);
    const starts = new Float64Array(m);
    const ends = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const s = slots[i];
      groups[i] = this.slots.group[s];
      starts[i] = this.slots.start[s];
      ends[i] = this.slots.end[s];
    }
    const columns = [
      ...(this.keyIndexes.length > 0 ? this.keys.keyColumns(groups, m) : []),
      timestampData(starts),
      timestampData(ends),
      ...(this.options.windowTime ? [timestampData(ends.map((e) => e - 1))] : []),
      ...this.accumulators.map((a) => a.output(slots, m)),
    ];
    return makeBatch(this.output.schema, columns, m);
  }

  /** Drops keys without open windows once they are most of the table (keys that churn). */
  private compactKeys(): void {
    const size = this.keys.size;
    if (this.keyIndexes.length === 0 || size < 4096 || size < 2 * this.slots.liveGroups) return;
    const keep = new Uint8Array(size);
    for (let g = 0; g < size; g++) keep[g] = this.slots.perGroup[g] > 0 ? 1 : 0;
    const remap = this.keys.compact(keep);
    this.slots.remapGroups(remap, this.keys.size);
    if (this.aligned) this.aligned.remapGroups(this.keys.size, this.slots);
    else this.sessions!.remapGroups(this.keys.size);
  }

  snapshot(): OperatorSnapshot {
    return snapshotWindowState({
      operator: this.name,
      options: this.options,
      watermark: this.watermark,
      schema: this.snapshotSchema,
      keys: this.keys,
      keyed: this.keyIndexes.length > 0,
      slots: this.slots,
      accumulators: this.accumulators,
    });
  }

  /**
   * Adds checkpointed state: the key groups this subtask now owns (any subset of a snapshot, or
   * the union of several subtasks' snapshots, restored one after another). The watermark becomes
   * the lowest restored one, so no restored window is fired or missed early.
   */
  restore(snapshot: GatheredSnapshot): void {
    const watermark = restoreWindowState(snapshot, {
      operator: this.name,
      options: this.options,
      schema: this.snapshotSchema,
      keys: this.keys,
      keyed: this.keyIndexes.length > 0,
      assignSlots: (groups, starts, ends, n) => this.restoreSlots(groups, starts, ends, n),
      finish: () => this.sessions?.finishBatch(),
      accumulators: this.accumulators,
    });
    this.watermark = this.restored ? Math.min(this.watermark, watermark) : watermark;
    this.restored = true;
  }

  private restoreSlots(groups: Int32Array, starts: Float64Array, ends: Float64Array, n: number): Int32Array {
    const out = new Int32Array(n);
    if (this.sessions) this.sessions.assignIntervals(groups, starts, ends, this.keys.size, n, out);
    else for (let i = 0; i < n; i++) out[i] = this.aligned!.slotFor(groups[i], this.keys.size, starts[i], this.slots);
    return out;
  }

  lateRecords(): number {
    return this.late;
  }

  /** Open (key, window) slots: a state-size gauge. */
  openSlots(): number {
    return this.slots.size;
  }
}

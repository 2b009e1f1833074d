import { type Data, type RecordBatch, Schema } from "apache-arrow";
import { KeyTable } from "../../state/key-table.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { type Accumulator, BatchInput, NumberScratch } from "../window/accumulator.js";
import { AggregateSpecError, parseAggregates } from "../window/aggregate-spec.js";
import { groupIdsOf } from "../window/group-ids.js";
import { SlotStore } from "../window/slots.js";
import { columnIndex, createAccumulator } from "../window/window-config.js";
import { restoreUpsertState, snapshotUpsertState } from "./upsert-state.js";

export interface UpsertAggregateOptions {
  name: string;
  input: StreamInfo;
  /** Group key columns (the input's keyBy keys); [] is one global group. */
  keys: string[];
  aggregates: string[];
  maxParallelism: number;
}

/**
 * An unbounded GROUP BY: one slot per key, never closed. Per input batch it emits the new value
 * of every key the batch changed (keys in first-touched order), so its output is an UPSERT
 * stream on the group key: the last row per key is the current result (Flink's upsert semantics,
 * without retractions, since a key is never removed). Emitting per batch keeps the latency of
 * the input; a sink that compacts by key (console, upsert Kafka) sees each key's latest value.
 *
 * Slot ids equal group ids: a key's slot is allocated when the key first appears and never freed.
 */
export class UpsertAggregateOperator implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  private readonly keyIndexes: number[];
  private readonly keys: KeyTable;
  private readonly accumulators: Accumulator[];
  private readonly slots: SlotStore;
  private readonly snapshotSchema: Schema;
  private readonly scratch = new NumberScratch();
  private groupIds = new Int32Array(0);
  private touched = new Uint8Array(0);

  constructor(readonly options: UpsertAggregateOptions) {
    const { name, input, keys, maxParallelism } = options;
    this.name = name;
    const schema = input.schema;
    this.keyIndexes = keys.map((k) => columnIndex(name, schema, k, "key"));
    const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
    if (repeated !== undefined) throw new AggregateSpecError(name, `key column "${repeated}" is listed twice`);
    const keyFields = this.keyIndexes.map((i) => schema.fields[i]);
    this.keys = new KeyTable(keyFields, maxParallelism);
    const specs = parseAggregates(name, options.aggregates, schema, [...keys]);
    this.accumulators = specs.map((s) => createAccumulator(s, schema));
    this.slots = new SlotStore(this.accumulators);
    const outSchema = new Schema([...keyFields, ...this.accumulators.map((a) => a.outputField)]);
    // No event time: an update is not an event of its own time, so no window can follow.
    this.output = { schema: outSchema, keys: [...keys], upsertKey: [...keys] };
    this.snapshotSchema = new Schema([
      ...this.keys.snapshotFields(),
      ...this.accumulators.flatMap((a) => a.stateFields),
    ]);
  }

  processBatch(batch: RecordBatch, _input = 0): RecordBatch[] {
    const n = batch.numRows;
    if (n === 0) return [];
    const cols = columnsOf(batch);
    if (this.groupIds.length < n) this.groupIds = new Int32Array(n);
    const groups = this.groupsOf(cols, n);
    this.allocateSlots();
    const input = new BatchInput(cols, n, this.scratch);
    for (const a of this.accumulators) a.update(input, groups, n);
    return [this.emit(this.changed(groups, n))];
  }

  private groupsOf(cols: Data[], n: number): Int32Array {
    return groupIdsOf(this.keys, this.keyIndexes, cols, n, this.groupIds);
  }

  /** A slot for every new group; slots are never freed, so slot id = group id. */
  private allocateSlots(): void {
    while (this.slots.size < this.keys.size) this.slots.alloc(this.slots.size, 0, 0);
  }

  /** The distinct groups of a batch, in first-touched order. */
  private changed(groups: Int32Array, n: number): Int32Array {
    if (this.touched.length < this.keys.size) this.touched = new Uint8Array(this.keys.size * 2);
    const out = new Int32Array(Math.min(n, this.keys.size));
    let m = 0;
    for (let i = 0; i < n; i++) {
      const g = groups[i];
      if (this.touched[g] === 0) {
        this.touched[g] = 1;
        out[m++] = g;
      }
    }
    for (let k = 0; k < m; k++) this.touched[out[k]] = 0;
    return out.subarray(0, m);
  }

  private emit(groups: Int32Array): RecordBatch {
    const m = groups.length;
    const columns = [
      ...(this.keyIndexes.length > 0 ? this.keys.keyColumns(groups, m) : []),
      ...this.accumulators.map((a) => a.output(groups, m)),
    ];
    return makeBatch(this.output.schema, columns, m);
  }

  /** Updates go out per batch: a watermark makes nothing final. */
  processWatermark(_watermark: number): RecordBatch[] {
    return [];
  }

  snapshot(): OperatorSnapshot {
    return snapshotUpsertState(this.stateContext(), this.slots.liveSlots());
  }

  /**
   * Adds checkpointed state: the key groups this subtask now owns (any subset of a snapshot, or
   * the union of several subtasks' snapshots, restored one after another).
   */
  restore(snapshot: GatheredSnapshot): void {
    restoreUpsertState(snapshot, this.stateContext(), () => this.allocateSlots());
  }

  private stateContext() {
    return {
      operator: this.name,
      config: { keys: this.options.keys, aggregates: this.options.aggregates },
      schema: this.snapshotSchema,
      keys: this.keys,
      keyed: this.keyIndexes.length > 0,
      accumulators: this.accumulators,
    };
  }

  lateRecords(): number {
    return 0;
  }

  /** Keys held: a state-size gauge. */
  openKeys(): number {
    return this.keys.size;
  }
}

import { type Data, type Field, type RecordBatch, Schema } from "apache-arrow";
import { takeData } from "../../kernels/take.js";
import { makeBatch, validityBytes } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "../operator.js";
import { timeColumn, unslicedColumns } from "./columns.js";
import { JoinConfigError } from "./errors.js";
import { PairBuffer } from "./growable.js";
import { checkKeyTypes, hashWidths, keyEquals, keyFields } from "./keys.js";
import { joinedFields } from "./output-schema.js";
import { JoinState, type ProbeRows } from "./regular-join-state.js";
import { restoreSides, snapshotSides, watermarkMeta, watermarkOf } from "./window-join-snapshot.js";

/** Rows per output batch: a hot key's matches are cut into batches of at most this many rows. */
const MAX_OUTPUT_ROWS = 1 << 16;

export interface StreamJoinOptions {
  name: string;
  left: StreamInfo;
  right: StreamInfo;
  /** Name of the right stream: prefix of right columns whose names collide with left ones. */
  rightName: string;
  leftKey: string[];
  rightKey: string[];
  /** Number of key groups (state is snapshotted per key group). */
  maxParallelism: number;
}

/**
 * Which rows of two timed inputs may still meet, given the watermark W (rows with event time below
 * W may still be in flight only as late rows). `offsets[s]`: a row of side s with time t matches
 * rows of the other side with times in [t + lo, t + hi]. `lateBefore(W)`: an arriving row older
 * than this is late (dropped, counted). `floor(s, W)`: stored rows of side s older than this can
 * match no row still to come, so they are pruned.
 */
export interface TimeRule {
  offsets: [[number, number], [number, number]];
  lateBefore(watermark: number): number;
  floor(side: number, watermark: number): number;
}

/**
 * An inner equi-join of two append-only streams without windows: each side's rows stay in keyed
 * state (JoinState); an arriving batch probes the other side's state, emits one row per matching
 * pair, then joins its own side's state. Every pair is emitted exactly once, by whichever of its
 * two rows arrives second, so the output is append-only. With a TimeRule (interval joins, or a
 * regular join's state TTL) pairs must also satisfy the rule's time bounds, late rows are dropped,
 * and the watermark prunes state; without one, state grows with the inputs. Input 0 is the left
 * side, 1 the right.
 */
export class StreamJoin implements Operator {
  readonly name: string;
  readonly output: StreamInfo;
  protected readonly sides: [JoinState, JoinState];
  private readonly maxParallelism: number;
  private readonly pairs = new PairBuffer();
  private watermark = -Infinity;
  private late = 0;

  constructor(
    o: StreamJoinOptions,
    private readonly rule: TimeRule | null,
    outputTime: "left" | "none",
  ) {
    this.name = o.name;
    if (!Number.isInteger(o.maxParallelism) || o.maxParallelism < 1 || o.maxParallelism > 65536)
      throw new JoinConfigError(o.name, `maxParallelism must be an integer in 1..65536, got ${o.maxParallelism}`);
    this.maxParallelism = o.maxParallelism;
    const lf = o.left.schema.fields as Field[];
    const rf = o.right.schema.fields as Field[];
    const lk = keyFields(o.name, "the left input", lf, o.leftKey);
    const rk = keyFields(o.name, `the right input (${o.rightName})`, rf, o.rightKey);
    const lkf = lk.map((i) => lf[i]);
    const rkf = rk.map((i) => rf[i]);
    checkKeyTypes(o.name, lkf, rkf);
    const widths = hashWidths(lkf, rkf);
    this.sides = [
      new JoinState(lf, lk, widths, rule ? timeColumn(o.name, "left", o.left, lf) : null),
      new JoinState(rf, rk, widths, rule ? timeColumn(o.name, `right (${o.rightName})`, o.right, rf) : null),
    ];
    const fields = joinedFields(o.name, lf, rf, o.rightName);
    const timeField = outputTime === "left" ? o.left.timeField : undefined;
    this.output = { schema: new Schema(fields), timeField, keys: o.leftKey };
  }

  processBatch(batch: RecordBatch, input: number): RecordBatch[] {
    const own = this.sides[input];
    if (!own) throw new Error(`${this.name}: a join has inputs 0 (left) and 1 (right), got ${input}`);
    const n = batch.numRows;
    if (n === 0) return [];
    if (batch.numCols !== own.fields.length)
      throw new Error(
        `${this.name}: input ${input} batch has ${batch.numCols} columns, its schema ${own.fields.length}`,
      );
    const cols = unslicedColumns(batch);
    const rows = this.arrivals(cols, n, input);
    if (rows.count === 0) return [];
    const other = this.sides[1 - input];
    const pairs = this.pairs;
    pairs.clear();
    const [lo, hi] = this.rule ? this.rule.offsets[input] : [-Infinity, Infinity];
    const equals = keyEquals(own.keys(cols), other.keys(other.columns()));
    other.probe(rows, equals, lo, hi, pairs, input === 1);
    const out: RecordBatch[] = [];
    if (pairs.length > 0) {
      const [left, right] = input === 0 ? [cols, other.columns()] : [other.columns(), cols];
      for (let at = 0; at < pairs.length; at += MAX_OUTPUT_ROWS) {
        const count = Math.min(MAX_OUTPUT_ROWS, pairs.length - at);
        const li = pairs.left.data.subarray(at, at + count);
        const ri = pairs.right.data.subarray(at, at + count);
        out.push(this.gather(left, right, li, ri));
      }
    }
    own.add(cols, rows.hashes, rows.times, rows.sel, rows.count);
    return out;
  }

  /** The batch's rows that take part: keys (and time) not null, not late; late ones are counted. */
  private arrivals(cols: Data[], n: number, input: number): ProbeRows {
    const side = this.sides[input];
    const keyCols = side.keys(cols);
    const hashes = side.hashesOf(cols, n);
    const timeCol = side.timeIndex === null ? null : cols[side.timeIndex];
    const times = side.timesOf(cols);
    let ok: Uint8Array | null = null;
    for (const c of timeCol ? [...keyCols, timeCol] : keyCols) {
      const v = validityBytes(c);
      if (!v) continue;
      if (!ok) ok = v;
      else for (let i = 0; i < n; i++) ok[i] &= v[i];
    }
    const lateBefore = this.rule ? this.rule.lateBefore(this.watermark) : -Infinity;
    const sel = new Int32Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (ok && !ok[i]) continue;
      if (times !== null) {
        const t = times[i];
        if (Number.isNaN(t)) continue;
        if (t < lateBefore) {
          this.late++;
          continue;
        }
      }
      sel[count++] = i;
    }
    return { hashes, times, sel, count };
  }

  private gather(left: Data[], right: Data[], li: Int32Array, ri: Int32Array): RecordBatch {
    const n = li.length;
    const cols: Data[] = [];
    for (const c of left) cols.push(takeData(c, li, n));
    for (const c of right) cols.push(takeData(c, ri, n));
    return makeBatch(this.output.schema, cols, n);
  }

  processWatermark(watermark: number): RecordBatch[] {
    if (!(watermark > this.watermark)) return [];
    this.watermark = watermark;
    this.prune();
    return [];
  }

  private prune(): void {
    const rule = this.rule;
    if (!rule) return;
    for (const [i, side] of this.sides.entries()) side.prune(rule.floor(i, this.watermark));
  }

  snapshot(): OperatorSnapshot {
    return { meta: watermarkMeta(this.watermark), keyGroups: snapshotSides(this.sides, this.maxParallelism) };
  }

  restore(snapshot: GatheredSnapshot): void {
    this.watermark = watermarkOf(snapshot.meta);
    for (const side of this.sides) side.clear();
    restoreSides(this.sides, snapshot.keyGroups, this.watermark);
    this.prune();
  }

  lateRecords(): number {
    return this.late;
  }

  /** Rows alive on each side (for tests and state-size metrics). */
  bufferedRows(): [number, number] {
    return [this.sides[0].liveRows(), this.sides[1].liveRows()];
  }
}

export interface RegularJoinOptions extends StreamJoinOptions {
  /** Event-time TTL of state (ms): a row is dropped once the watermark passes its time plus this. */
  stateTtl?: number;
}

/**
 * The regular join: every matching pair of the two inputs, once, as an insert. Without a state TTL
 * both inputs are kept forever (state grows with them); with one, a row is kept until the
 * watermark passes its event time plus the TTL, so pairs further apart than that in event time
 * may be missed (Flink's table.exec.state.ttl, on event time), and a row already expired when it
 * arrives is dropped as late. The output has no event time: a pair is emitted when its second row
 * arrives, whatever the two rows' times.
 */
export class RegularJoinOperator extends StreamJoin {
  constructor(o: RegularJoinOptions) {
    const ttl = o.stateTtl;
    if (ttl !== undefined && !(ttl > 0))
      throw new JoinConfigError(o.name, `stateTtl must be a positive duration, got ${ttl} ms`);
    const rule: TimeRule | null =
      ttl === undefined
        ? null
        : {
            offsets: [
              [-Infinity, Infinity],
              [-Infinity, Infinity],
            ],
            lateBefore: (w) => w - ttl,
            floor: (_side, w) => w - ttl,
          };
    super(o, rule, "none");
  }
}

import type { Source, SourceBatch, SourcePosition } from "../connectors/connector.js";
import { parseDuration } from "../contract/spec/duration.js";
import type { SourceNode } from "../planner/plan.js";
import { maxOf, SplitWatermarks } from "../time/watermarks.js";
import { toFloat64, validityBytes } from "../types/column.js";

/**
 * Reads one source and turns what it reads into batches plus a watermark. Watermarks come from the
 * largest event time per split (bounded out-of-orderness); a table source (lookup join) reports
 * +Infinity so it never holds back the stream it enriches.
 */
export class SourceRunner {
  private watermarks: SplitWatermarks | null = null;
  private readonly timeIndex: number;
  ended = false;
  records = 0;

  constructor(
    readonly node: SourceNode,
    readonly source: Source,
  ) {
    const et = node.spec.eventTime;
    this.timeIndex = et ? node.info.schema.fields.findIndex((f) => f.name === et.field) : -1;
  }

  /** Opens the source; its splits (Kafka partitions) are known only after it has connected. */
  async open(nowMs: number, from?: SourcePosition): Promise<void> {
    await this.source.open(from);
    const et = this.node.spec.eventTime;
    if (et && !this.node.isTable)
      this.watermarks = new SplitWatermarks(
        this.source.splits(),
        et.maxOutOfOrderness ? parseDuration(et.maxOutOfOrderness) : 0,
        et.idleTimeout ? parseDuration(et.idleTimeout) : undefined,
        nowMs,
      );
  }

  /** A table source has delivered what it held at start (always true for other sources). */
  caughtUp(): boolean {
    return this.ended || !this.node.isTable || (this.source.caughtUp?.() ?? true);
  }

  /** The next batch (null at end of input), with the split's watermark updated. */
  async next(nowMs: () => number): Promise<SourceBatch | null> {
    const got = await this.source.next();
    if (!got) {
      this.ended = true;
      return null;
    }
    this.records += got.batch.numRows;
    if (this.watermarks && this.timeIndex >= 0 && got.batch.numRows > 0) {
      const col = got.batch.data.children[this.timeIndex];
      this.watermarks.observe(got.split, maxOf(toFloat64(col), validityBytes(col)), nowMs());
    }
    return got;
  }

  /** Each split's own watermark; none without event time, for tables, or once the source ended. */
  splitWatermarks(nowMs: number): { split: number; watermark: number; idle: boolean }[] {
    return this.ended || !this.watermarks ? [] : this.watermarks.splits(nowMs);
  }

  /** The source's watermark: +Infinity once ended or for tables; -Infinity without event time. */
  watermark(nowMs: number): number {
    if (this.ended || this.node.isTable) return Number.POSITIVE_INFINITY;
    return this.watermarks ? this.watermarks.watermark(nowMs) : Number.NEGATIVE_INFINITY;
  }
}

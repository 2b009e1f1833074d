import type { RecordBatch } from "apache-arrow";
import type { StreamInfo } from "../types/stream-info.js";
import type { GatheredSnapshot, Operator, OperatorSnapshot } from "./operator.js";

/** Base of operators that keep no state and ignore time (filter, select, keyBy). */
export abstract class StatelessOperator implements Operator {
  abstract readonly name: string;
  abstract readonly output: StreamInfo;
  abstract processBatch(batch: RecordBatch, input?: number): RecordBatch[];

  processWatermark(_watermark?: number): RecordBatch[] {
    return [];
  }
  snapshot(): OperatorSnapshot | null {
    return null;
  }
  restore(_snapshot?: GatheredSnapshot): void {}
  lateRecords(): number {
    return 0;
  }
}

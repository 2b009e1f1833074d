import type { RecordBatch } from "apache-arrow";
import type { Operator, OperatorSnapshot, StreamInfo } from "./operator.js";

/**
 * Marks a stream as keyed. In one process rows need not move, so batches pass through untouched;
 * in a distributed job this is where the exchange routes rows by key group to their worker.
 */
export class KeyByOperator implements Operator {
  readonly output: StreamInfo;

  constructor(
    readonly name: string,
    input: StreamInfo,
    readonly keys: string[],
  ) {
    this.output = { ...input, keys };
  }

  processBatch(batch: RecordBatch): RecordBatch[] {
    return [batch];
  }
  processWatermark(): RecordBatch[] {
    return [];
  }
  snapshot(): OperatorSnapshot | null {
    return null;
  }
  restore(): void {}
  lateRecords(): number {
    return 0;
  }
}

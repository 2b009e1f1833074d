import type { RecordBatch } from "apache-arrow";
import type { StreamInfo } from "../types/stream-info.js";
import { StatelessOperator } from "./stateless.js";

/**
 * Marks a stream as keyed. In one process rows need not move, so batches pass through untouched;
 * in a distributed job this is where the exchange routes rows by key group to their worker.
 */
export class KeyByOperator extends StatelessOperator {
  readonly output: StreamInfo;

  constructor(
    readonly name: string,
    input: StreamInfo,
    readonly keys: string[],
  ) {
    super();
    this.output = { ...input, keys };
  }

  processBatch(batch: RecordBatch): RecordBatch[] {
    return [batch];
  }
}

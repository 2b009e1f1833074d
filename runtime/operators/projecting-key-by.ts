import type { RecordBatch } from "apache-arrow";
import { KeyByOperator } from "./key-by.js";

/**
 * A keyBy that changes its input before the exchange: `project` turns a batch of the input into
 * what crosses the network (fewer columns, or partial aggregates), and `output.schema` is that
 * shape. In a distributed job the exchange's sender projects (runtime/distributed/worker/
 * exchanges.ts) and tells this operator, with `receivesProjected`, that its batches arrive
 * projected; in one process, where nothing crosses, it projects them itself.
 */
export abstract class ProjectingKeyBy extends KeyByOperator {
  private projectedInput = false;

  /**
   * What the exchange sends for a batch of the input stream; null when the rows are held to be
   * folded with later ones (see `held`).
   */
  abstract project(batch: RecordBatch): RecordBatch | null;

  /**
   * Rows held by `project` that must be sent before a watermark at `watermark` (undefined: before
   * a barrier or the end, which take everything); null when none. Nothing is held by default.
   */
  held(_watermark?: number): RecordBatch | null {
    return null;
  }

  /**
   * Whether the senders of an exchange over `parallelism` subtasks should project: true, since
   * fewer columns cost less to partition even when nothing leaves the worker.
   */
  projectsAcross(_parallelism: number): boolean {
    return true;
  }

  /** Batches now come from the exchange, already projected by the senders. */
  receivesProjected(): void {
    this.projectedInput = true;
  }

  override processBatch(batch: RecordBatch): RecordBatch[] {
    const out = this.projectedInput ? batch : this.project(batch);
    return out ? [out] : [];
  }
}

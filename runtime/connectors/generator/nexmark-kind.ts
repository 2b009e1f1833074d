import type { RecordBatch } from "apache-arrow";
import { EventGenerator } from "./event-generator.js";

/**
 * The base of the three Nexmark kinds: each makes its events from a list of its own indices (the
 * k-th person, auction or bid), so the per-kind sources (an arithmetic progression of k) and the
 * combined `nexmark` stream (whatever kinds fall on its event ids) share one loop per kind.
 *
 * Event time follows the specification's default: event id e happens e / EVENTS_PER_MS ms after
 * BASE_TIME_MS, so it never decreases along a split (no out-of-order events).
 */
export abstract class NexmarkKindGenerator extends EventGenerator {
  /** Reused between batches: a new one per batch made the garbage collector run mark-compacts. */
  private indices = new Float64Array(0);

  generate(first: number, step: number, n: number): RecordBatch {
    if (this.indices.length < n) this.indices = new Float64Array(n);
    const ks = this.indices.subarray(0, n);
    for (let j = 0; j < n; j++) ks[j] = first + j * step;
    return this.generateAt(ks);
  }

  /** The events of the given indices of this kind, in that order. */
  abstract generateAt(ks: Float64Array): RecordBatch;
}

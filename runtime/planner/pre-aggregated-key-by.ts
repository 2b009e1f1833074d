import type { RecordBatch } from "apache-arrow";
import { ProjectingKeyBy } from "../operators/projecting-key-by.js";
import { PaneCombiner } from "../operators/window/pane-combiner.js";
import type { WindowAggregateOptions } from "../operators/window/window-config.js";

/**
 * A keyBy before a window that aggregates in two phases (pre-aggregation.ts): what crosses the
 * exchange is the rows folded into partial rows, one per key and pane (PaneCombiner, which holds
 * them until a watermark, barrier or the end needs them), which the window merges
 * (WindowAggregateOperator with `partials`).
 */
export class PreAggregatedKeyBy extends ProjectingKeyBy {
  private readonly combiner: PaneCombiner;

  constructor(name: string, window: Omit<WindowAggregateOptions, "windowTime" | "clock">) {
    const combiner = new PaneCombiner(window);
    super(name, combiner.output, window.keys);
    this.combiner = combiner;
  }

  project(batch: RecordBatch): RecordBatch | null {
    return this.combiner.add(batch);
  }

  override held(watermark?: number): RecordBatch | null {
    return watermark === undefined || this.combiner.due(watermark) ? this.combiner.take() : null;
  }

  /**
   * A job on one worker sends nothing over a network: its rows go to the window unfolded, as in
   * one process (`npm run bench`, distributed q7 on 1 worker: 0.50 s folded, 0.41 to 0.43 s not).
   */
  override projectsAcross(parallelism: number): boolean {
    return parallelism > 1;
  }

  /**
   * In one process nothing crosses: the rows go to the window as they are (folding them first
   * would cost as much as the window's own work), which takes rows and partial rows alike.
   */
  override processBatch(batch: RecordBatch): RecordBatch[] {
    return [batch];
  }
}

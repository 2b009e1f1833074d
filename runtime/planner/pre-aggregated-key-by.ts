import type { RecordBatch } from "apache-arrow";
import { ProjectingKeyBy } from "../operators/projecting-key-by.js";
import { PaneCombiner } from "../operators/window/pane-combiner.js";
import type { WindowAggregateOptions } from "../operators/window/window-config.js";

/**
 * A keyBy before a window that aggregates in two phases (pre-aggregation.ts): what crosses the
 * exchange is each batch folded into partial rows, one per key and pane (PaneCombiner), which the
 * window merges (WindowAggregateOperator with `partials`).
 */
export class PreAggregatedKeyBy extends ProjectingKeyBy {
  private readonly combiner: PaneCombiner;

  constructor(name: string, window: Omit<WindowAggregateOptions, "windowTime" | "clock">) {
    const combiner = new PaneCombiner(window);
    super(name, combiner.output, window.keys);
    this.combiner = combiner;
  }

  project(batch: RecordBatch): RecordBatch {
    return this.combiner.combine(batch);
  }

  /**
   * In one process nothing crosses: the rows go to the window as they are (folding them first
   * would cost as much as the window's own work), which takes rows and partial rows alike.
   */
  override processBatch(batch: RecordBatch): RecordBatch[] {
    return [batch];
  }
}

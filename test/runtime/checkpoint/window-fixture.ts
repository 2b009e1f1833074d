import type { WindowSpec } from "../../../runtime/contract/spec/schema.js";
import { hashRows, keyGroups, subtaskForKeyGroup } from "../../../runtime/kernels/hash.js";
import { takeBatch } from "../../../runtime/kernels/take.js";
import { WindowAggregateOperator } from "../../../runtime/operators/window/window-aggregate.js";
import { columnsOf } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { seededRng } from "../../helpers/random.js";
import { AGGREGATES, type Step, toBatch } from "../operators/window/window-data.js";
import type { Row } from "../operators/window/window-reference.js";

/** Real operator state for checkpoint tests: keyed window aggregates over the window tests' data. */

export const MAX_PARALLELISM = 32;
const schema = toBatch(seededRng(1), []).schema;

export function windowOperator(window: WindowSpec, keys: string[]): WindowAggregateOperator {
  return new WindowAggregateOperator({
    name: "pipeline[2].window",
    input: { schema, timeField: "ts", keys },
    keys,
    window,
    aggregates: AGGREGATES.map(([text]) => text),
    maxParallelism: MAX_PARALLELISM,
  });
}

/**
 * Feeds steps to subtasks as a keyed exchange would: each row to the subtask owning its key group,
 * every watermark to all. Returns the union of the subtasks' outputs per watermark.
 */
export function runSubtasks(ops: WindowAggregateOperator[], steps: Step[], keys: string[], seed: number): Row[][] {
  const rng = seededRng(seed);
  const outputs: Row[][] = [];
  for (const step of steps) {
    if (!("rows" in step)) {
      outputs.push(ops.flatMap((op) => op.processWatermark(step.watermark).flatMap(batchRows)));
      continue;
    }
    const batch = toBatch(rng, step.rows, step.sliced);
    const cols = columnsOf(batch);
    const keyCols = keys.map((k) => cols[schema.fields.findIndex((f) => f.name === k)]);
    const kgs = keyGroups(hashRows(keyCols, batch.numRows), MAX_PARALLELISM);
    ops.forEach((op, subtask) => {
      const rows: number[] = [];
      for (let i = 0; i < kgs.length; i++)
        if (subtaskForKeyGroup(kgs[i], ops.length, MAX_PARALLELISM) === subtask) rows.push(i);
      op.processBatch(takeBatch(batch, Int32Array.from(rows)), 0);
    });
  }
  return outputs;
}

import type { PipelineJobSpec } from "../contract/spec/schema.js";
import { parseAggregates } from "../operators/window/aggregate-spec.js";
import type { StreamInfo } from "../types/stream-info.js";
import type { OperatorNode } from "./plan.js";
import { PreAggregatedKeyBy } from "./pre-aggregated-key-by.js";
import { wiring } from "./step-wiring.js";

/**
 * Two-phase aggregation. A keyBy whose only reader is an event-time tumbling or sliding window
 * step folds each batch into partial rows, one per key and pane, before its exchange
 * (PreAggregatedKeyBy), and the window merges them: the network carries a row per key and pane
 * instead of one per event, and a hot key's rows no longer pile onto one worker. The window's
 * results are the same. `localAggregation: false` on the window step keeps one phase. Session and
 * processing-time windows, count(distinct), and keyBys that anything else reads keep one phase too.
 */
export function preAggregatedKeyBy(
  spec: PipelineJobSpec,
  i: number,
  inputs: string[],
  output: string,
  input: StreamInfo,
  maxParallelism: number,
): OperatorNode | null {
  const wires = wiring(spec);
  if (input.upsertKey || wires.filter((w) => w.output === output).length > 1) return null;
  const readers = wires.flatMap((w, j) => (j > i && w.inputs.includes(output) ? [j] : []));
  if (readers.length !== 1) return null;
  const j = readers[0]!;
  const step = spec.pipeline[j]!;
  const window = step.window;
  if (!window || !step.aggregate || step.localAggregation === false) return null;
  if (window.type === "session" || window.time === "processing") return null;
  const keys = spec.pipeline[i]!.keyBy ?? [];
  const options = {
    name: `pipeline[${j}].window`,
    input: { ...input, keys },
    keys,
    window,
    aggregates: step.aggregate,
    maxParallelism,
  };
  if (!mergeable(options.name, step.aggregate, input)) return null;
  const id = `pipeline[${i}].keyBy`;
  const create = () => new PreAggregatedKeyBy(id, options);
  try {
    // The window step reports its own mistakes, against the stream as written.
    return { id, stepIndex: i, inputs, output, info: create().output, keyBy: keys, create };
  } catch {
    return null;
  }
}

/** A distinct count's partial rows hold every distinct value: no fewer bytes cross, so it keeps one phase. */
function mergeable(name: string, aggregates: string[], input: StreamInfo): boolean {
  try {
    return parseAggregates(name, aggregates, input.schema, []).every((a) => a.fn !== "count_distinct");
  } catch {
    return false;
  }
}

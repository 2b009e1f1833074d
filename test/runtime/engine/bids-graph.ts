import { buildExecutionGraph } from "../../../runtime/engine/graph.js";
import { planText } from "../../../runtime/planner/validate.js";

/** The execution graph of a job reading ten nexmark bids into a console sink, with `pipeline` (YAML list items, indented four spaces) in between. */
export const bidsGraph = (pipeline: string) =>
  buildExecutionGraph(
    planText(`apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: g }
spec:
  sources:
    bids: { generator: { kind: nexmark-bid, count: 10 }, eventTime: { field: dateTime } }
  sinks: { out: { console: {} } }
  pipeline:
${pipeline}
    - to: out
`).plan,
  );

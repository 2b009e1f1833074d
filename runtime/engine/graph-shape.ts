import type { GraphShape } from "../metrics/web/job-view.js";
import type { ExecutionGraph, Partitioning } from "./graph.js";

/** The web UI's view of an execution graph: nodes `source:<name>`, operator ids, `sink:<name>`. */
export function graphShape(g: ExecutionGraph): GraphShape {
  const producer = new Map<string, string>();
  for (const s of g.plan.sources) producer.set(s.name, `source:${s.name}`);
  for (const o of g.plan.operators) producer.set(o.output, o.id);
  const chainOf = new Map<string, number>();
  for (const v of g.vertices) {
    for (const s of v.sources) chainOf.set(`source:${s}`, v.id);
    for (const o of v.operators) chainOf.set(o, v.id);
    for (const k of v.sinks) chainOf.set(`sink:${k}`, v.id);
  }
  const node = (id: string, kind: "source" | "operator" | "sink", inputs: string[]) => ({
    id,
    kind,
    chain: chainOf.get(id) ?? 0,
    inputs: inputs.map((s) => producer.get(s) ?? s),
    stateBytes: null,
  });
  return {
    nodes: [
      ...g.plan.sources.map((s) => node(`source:${s.name}`, "source", [])),
      ...g.plan.operators.map((o) => node(o.id, "operator", o.inputs)),
      ...g.plan.sinks.map((k) => node(`sink:${k.name}`, "sink", [k.input])),
    ],
    chains: g.vertices.map((v) => ({
      id: v.id,
      name: v.name,
      nodes: [...v.sources.map((s) => `source:${s}`), ...v.operators, ...v.sinks.map((k) => `sink:${k}`)],
    })),
    exchanges: g.edges.map((e) => ({
      id: e.id,
      stream: e.stream,
      target: e.target,
      partitioning: describe(e.partitioning),
    })),
  };
}

function describe(p: Partitioning): string {
  return p.kind === "hash" ? `hash(${p.columns.join(", ")})` : "single";
}

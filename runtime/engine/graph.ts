import type { Field } from "apache-arrow";
import type { StepSpec } from "../contract/spec/schema.js";
import { declaredWidths, hashWidths } from "../operators/join/keys.js";
import type { JobPlan, OperatorNode } from "../planner/plan.js";

/**
 * The execution graph of a task: which operator inputs are fed through a network exchange, and
 * how rows are routed there (a single-process job has none: see chainedGraph). Everything else
 * is chained: within a worker a batch travels from source to sink or exchange in plain function
 * calls (Flink's operator chaining), so the vertices are the chains between exchanges. Every worker runs one subtask of every vertex.
 *
 * Exchanges sit where data must move to the subtask that owns its key:
 * - a `keyBy` step's input (hash of the keyBy columns);
 * - both inputs of a windowed join and of a lookup join, hashed exactly as the join hashes them
 *   (join keys of different integer widths are widened first, see operators/join/keys.ts), so a
 *   key's rows from both sides meet in one subtask;
 * - a keyed window whose input is not already partitioned by its keys;
 * - a window without keys (one global window) on a stream not already on subtask 0: all rows go
 *   to subtask 0.
 */

/** How an exchange routes rows: by key group of a hash, or everything to subtask 0. */
export type Partitioning =
  | {
      kind: "hash";
      columns: string[];
      /** Integer width each key column is hashed at (null: as declared); see hashColumns. */
      widths: (32 | 64 | null)[];
    }
  | { kind: "single" };

export interface ExchangeEdge {
  /** Index in `edges`: the id on the wire. */
  id: number;
  /** The stream the senders read. */
  stream: string;
  /** The operator (id) and input index the receivers feed. */
  target: string;
  input: number;
  partitioning: Partitioning;
}

/** A chain of sources, operators and sinks between exchanges (for status and logs). */
export interface Vertex {
  id: number;
  name: string;
  sources: string[];
  operators: string[];
  sinks: string[];
}

/** Where a producer of a stream may have to wait for room: exchange senders and sinks it reaches. */
export interface Outputs {
  edges: number[];
  sinks: string[];
}

export interface ExecutionGraph {
  plan: JobPlan;
  edges: ExchangeEdge[];
  vertices: Vertex[];
  /** The exchange feeding input `input` of operator `nodeId`, if any. */
  edgeInto(nodeId: string, input: number): ExchangeEdge | undefined;
  /** Outputs reached from `stream` through chained operators only. */
  outputsOf(stream: string): Outputs;
  /** Sources and exchange edges whose data reaches edge `edgeId`'s senders through chains. */
  upstreamOf(edgeId: number): { sources: string[]; edges: number[] };
}

/** How a stream's rows are spread over subtasks, as far as the planner can tell. */
type Placement = { kind: "hash"; keys: string[] } | { kind: "single" } | { kind: "any" };

function stepKind(step: StepSpec): "keyBy" | "window" | "join" | "lookupJoin" | "topN" | "other" {
  if (step.keyBy) return "keyBy";
  if (step.topN) return "topN";
  // An unbounded GROUP BY is placed as a window: by the input's keys, on one subtask without.
  if (step.window || step.upsertAggregate) return "window";
  if (step.join) return "join";
  if (step.lookupJoin) return "lookupJoin";
  return "other";
}

const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function fieldsOf(plan: JobPlan, stream: string, names: string[]): Field[] {
  const fields = plan.streams.get(stream)!.schema.fields as Field[];
  return names.map((n) => fields.find((f) => f.name === n)!);
}

type AddEdge = (node: OperatorNode, input: number, partitioning: Partitioning) => void;

const plain = (columns: string[]): Partitioning => ({ kind: "hash", columns, widths: columns.map(() => null) });

/** Rows with equal `keys` meet on one subtask (all rows on one subtask when there are no keys). */
function gatherByKeys(node: OperatorNode, inPlace: Placement, keys: string[], addEdge: AddEdge): Placement {
  if (keys.length === 0) {
    if (inPlace.kind !== "single") addEdge(node, 0, { kind: "single" });
    return { kind: "single" };
  }
  if (!(inPlace.kind === "hash" && sameList(inPlace.keys, keys))) addEdge(node, 0, plain(keys));
  return { kind: "hash", keys };
}

function placeJoin(plan: JobPlan, node: OperatorNode, step: StepSpec, addEdge: AddEdge): Placement {
  const j = step.join!;
  const lf = fieldsOf(plan, node.inputs[0], j.leftKey);
  const widths = hashWidths(lf, fieldsOf(plan, node.inputs[1], j.rightKey));
  addEdge(node, 0, { kind: "hash", columns: j.leftKey, widths });
  addEdge(node, 1, { kind: "hash", columns: j.rightKey, widths });
  // Output rows sit where their left key hashes; that is plain key placement only when
  // the join hashed the left keys as declared.
  return sameList(
    widths.map((w, i) => w ?? declaredWidths(lf)[i]),
    declaredWidths(lf),
  )
    ? { kind: "hash", keys: j.leftKey }
    : { kind: "any" };
}

function placeLookupJoin(plan: JobPlan, node: OperatorNode, step: StepSpec, addEdge: AddEdge): Placement {
  const l = step.lookupJoin!;
  const tableKey = plan.spec.sources[l.table].kafka!.table!.key;
  const widths = declaredWidths(fieldsOf(plan, node.inputs[1], tableKey));
  addEdge(node, 0, { kind: "hash", columns: l.key, widths });
  addEdge(node, 1, plain(tableKey));
  return { kind: "any" };
}

/** A window's Top-N: a partition's rows (one window's, per partition key) must meet on one subtask. */
function placeTopN(node: OperatorNode, step: StepSpec, inPlace: Placement, addEdge: AddEdge): Placement {
  const cols = ["window_start", "window_end", ...(step.topN!.partitionBy ?? [])];
  if (inPlace.kind === "single" || (inPlace.kind === "hash" && inPlace.keys.every((k) => cols.includes(k))))
    return inPlace;
  addEdge(node, 0, plain(cols));
  return { kind: "hash", keys: cols };
}

function placeStep(plan: JobPlan, node: OperatorNode, inPlace: Placement, addEdge: AddEdge): Placement {
  const step = plan.spec.pipeline[node.stepIndex];
  switch (stepKind(step)) {
    case "keyBy":
      // keyBy: [] ends keying: a later window is one global group, on one subtask.
      if (step.keyBy!.length === 0) return gatherByKeys(node, inPlace, [], addEdge);
      addEdge(node, 0, plain(step.keyBy!));
      return { kind: "hash", keys: step.keyBy! };
    case "window":
      return gatherByKeys(node, inPlace, plan.streams.get(node.inputs[0])!.keys ?? [], addEdge);
    case "topN":
      return placeTopN(node, step, inPlace, addEdge);
    case "join":
      return placeJoin(plan, node, step, addEdge);
    case "lookupJoin":
      return placeLookupJoin(plan, node, step, addEdge);
    default:
      // filter keeps rows where they are; select keeps key placement while it passes the key
      // columns through (renamed or not), which is exactly when its output is still keyed.
      if (inPlace.kind !== "hash") return inPlace;
      return node.info.keys ? { kind: "hash", keys: node.info.keys } : { kind: "any" };
  }
}

export function buildExecutionGraph(plan: JobPlan): ExecutionGraph {
  const placement = new Map<string, Placement>();
  for (const s of plan.sources) placement.set(s.name, { kind: "any" });
  const edges: ExchangeEdge[] = [];
  const addEdge: AddEdge = (node, input, partitioning) => {
    edges.push({ id: edges.length, stream: node.inputs[input], target: node.id, input, partitioning });
  };
  for (const node of plan.operators)
    placement.set(node.output, placeStep(plan, node, placement.get(node.inputs[0]) ?? { kind: "any" }, addEdge));
  return assemble(plan, edges);
}

/** The graph of a job run in one process: no exchanges, every stream chained. */
export function chainedGraph(plan: JobPlan): ExecutionGraph {
  return assemble(plan, []);
}

type EdgeInto = ExecutionGraph["edgeInto"];
type Upstream = ReturnType<ExecutionGraph["upstreamOf"]>;

function assemble(plan: JobPlan, edges: ExchangeEdge[]): ExecutionGraph {
  const edgeKey = (nodeId: string, input: number) => `${nodeId}#${input}`;
  const byInput = new Map(edges.map((e) => [edgeKey(e.target, e.input), e]));
  const edgeInto = (nodeId: string, input: number) => byInput.get(edgeKey(nodeId, input));
  const chained = chainedConsumers(plan, edgeInto);
  const producers = producersOf(plan, edgeInto);
  return {
    plan,
    edges,
    vertices: verticesOf(plan, edgeInto),
    edgeInto,
    outputsOf: (stream) => outputsOf(plan, edges, chained, stream),
    upstreamOf: (edgeId) => producers.get(edges[edgeId].stream) ?? { sources: [], edges: [] },
  };
}

/** The operators each stream feeds without an exchange. */
function chainedConsumers(plan: JobPlan, edgeInto: EdgeInto): Map<string, OperatorNode[]> {
  const chained = new Map<string, OperatorNode[]>();
  for (const node of plan.operators)
    node.inputs.forEach((s, i) => {
      if (edgeInto(node.id, i)) return;
      chained.set(s, [...(chained.get(s) ?? []), node]);
    });
  return chained;
}

function outputsOf(
  plan: JobPlan,
  edges: ExchangeEdge[],
  chained: Map<string, OperatorNode[]>,
  stream: string,
): Outputs {
  const out: Outputs = { edges: [], sinks: [] };
  const seen = new Set<string>();
  const visit = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const e of edges) if (e.stream === s) out.edges.push(e.id);
    for (const k of plan.sinks) if (k.input === s) out.sinks.push(k.name);
    for (const n of chained.get(s) ?? []) visit(n.output);
  };
  visit(stream);
  return out;
}

/** Vertices: streams joined by chains (union-find over stream names and node ids). */
function verticesOf(plan: JobPlan, edgeInto: EdgeInto): Vertex[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let p = parent.get(x) ?? x;
    if (p !== x) {
      p = find(p);
      parent.set(x, p);
    }
    return p;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const node of plan.operators) {
    union(`op:${node.id}`, `stream:${node.output}`);
    node.inputs.forEach((s, i) => {
      if (!edgeInto(node.id, i)) union(`op:${node.id}`, `stream:${s}`);
    });
  }
  for (const k of plan.sinks) union(`sink:${k.name}`, `stream:${k.input}`);
  for (const s of plan.sources) union(`source:${s.name}`, `stream:${s.name}`);
  const groups = new Map<string, Vertex>();
  const vertexOf = (member: string) => {
    const root = find(member);
    let v = groups.get(root);
    if (!v) {
      v = { id: groups.size, name: "", sources: [], operators: [], sinks: [] };
      groups.set(root, v);
    }
    return v;
  };
  for (const s of plan.sources) vertexOf(`source:${s.name}`).sources.push(s.name);
  for (const n of plan.operators) vertexOf(`op:${n.id}`).operators.push(n.id);
  for (const k of plan.sinks) vertexOf(`sink:${k.name}`).sinks.push(k.name);
  const vertices = [...groups.values()];
  for (const v of vertices)
    v.name = [...v.sources.map((s) => `Source: ${s}`), ...v.operators, ...v.sinks.map((s) => `Sink: ${s}`)].join(
      " -> ",
    );
  return vertices;
}

/** What feeds each stream: the sources and receiving exchange edges upstream through chains. */
function producersOf(plan: JobPlan, edgeInto: EdgeInto): Map<string, Upstream> {
  const producers = new Map<string, Upstream>();
  for (const s of plan.sources) producers.set(s.name, { sources: [s.name], edges: [] });
  for (const node of plan.operators) {
    const acc = { sources: [] as string[], edges: [] as number[] };
    node.inputs.forEach((s, i) => {
      const e = edgeInto(node.id, i);
      if (e) acc.edges.push(e.id);
      else {
        const p = producers.get(s) ?? { sources: [], edges: [] };
        acc.sources.push(...p.sources);
        acc.edges.push(...p.edges);
      }
    });
    producers.set(node.output, { sources: [...new Set(acc.sources)], edges: [...new Set(acc.edges)] });
  }
  return producers;
}

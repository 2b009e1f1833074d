import type { Schema } from "apache-arrow";
import type { PipelineJobSpec, StepSpec } from "../contract/spec/schema.js";
import { columnNames } from "../expr/ast.js";
import { parseExpression, parseSelectItem } from "../expr/parse.js";
import { SelectOperator } from "../operators/select.js";
import { parseAggregates } from "../operators/window/aggregate-spec.js";
import type { StreamInfo } from "../types/stream-info.js";
import type { OperatorNode } from "./plan.js";

/** Columns a reader needs; null: every column (a reader not looked into: a sink, a join, a Top-N). */
type Needs = Set<string> | null;

function union(a: Needs, b: Needs): Needs {
  if (!a || !b) return null;
  for (const c of b) a.add(c);
  return a;
}

/** What an expression reads; null (keep everything) when it does not parse: the planner reports that. */
function expressionReads(sql: string): Needs {
  try {
    return columnNames(parseExpression(sql));
  } catch {
    return null;
  }
}

function selectReads(items: string[]): Needs {
  let reads: Needs = new Set();
  for (const item of items) {
    try {
      reads = union(reads, expressionReads(parseSelectItem(item).expr));
    } catch {
      return null;
    }
  }
  return reads;
}

function aggregateReads(texts: string[], schema: Schema): Needs {
  try {
    const specs = parseAggregates("prune", texts, schema, []);
    return new Set(specs.filter((s) => s.column >= 0).map((s) => schema.fields[s.column]!.name));
  } catch {
    return null;
  }
}

/** Each step's input streams and output stream, wired as buildPlan wires them. */
function wiring(spec: PipelineJobSpec): { inputs: (string | undefined)[]; output: string | undefined }[] {
  let previous: string | undefined;
  return spec.pipeline.map((step, i) => {
    const from = step.from ?? previous;
    const output = step.as ?? (step.to !== undefined ? from : `pipeline[${i}]`);
    previous = output;
    return { inputs: [from, step.join?.with ?? step.lookupJoin?.table], output };
  });
}

/**
 * Column pruning before exchanges: a keyBy step's input crosses the network, so it should carry
 * only the columns something downstream reads. For every keyBy step, what the steps after it
 * read is worked out from the spec: a filter its condition, a keyBy its keys (both pass every
 * column on, so what reads their output counts too), a select its expressions, a window its
 * aggregates' columns; a sink, a join or a Top-N reads everything, and so does anything that does
 * not parse (the planner reports it). The stream's event time and keys are always kept. When that
 * leaves columns out, a projection (a select of the kept columns, in their order) goes before the
 * keyBy, as a step appended to the plan's spec so every step keeps its index, id and state. What
 * reaches a sink is unchanged: a stream a sink reads keeps every column.
 */
export class ColumnPruning {
  private readonly wires: ReturnType<typeof wiring>;
  private readonly added: StepSpec[] = [];

  constructor(private readonly spec: PipelineJobSpec) {
    this.wires = wiring(spec);
  }

  /** What the steps reading `stream` (after step `after`) need of it; `schema` is its schema. */
  private needsOf(stream: string, after: number, schema: Schema, depth = 0): Needs {
    if (depth > this.spec.pipeline.length) return null;
    let needs: Needs = new Set();
    this.spec.pipeline.forEach((step, j) => {
      if (j <= after || !needs || !this.wires[j]!.inputs.includes(stream)) return;
      const passOn = () => this.needsOf(this.wires[j]!.output!, j, schema, depth + 1);
      if (step.filter !== undefined) needs = union(union(needs, expressionReads(step.filter)), passOn());
      else if (step.select !== undefined) needs = union(needs, selectReads(step.select));
      else if (step.keyBy !== undefined) needs = union(union(needs, new Set(step.keyBy)), passOn());
      else if (step.window !== undefined) needs = union(needs, aggregateReads(step.aggregate ?? [], schema));
      else needs = null;
    });
    // A stream defined twice (an `as` reused) is left alone: which step reads which is unclear.
    if (this.wires.filter((w) => w.output === stream).length > 1) return null;
    return needs;
  }

  /**
   * For keyBy step `i` reading stream `from` (`input`): the projection node to run before its
   * exchange and the stream it writes, or null when every column is needed.
   */
  projectionBefore(i: number, from: string, input: StreamInfo, taken: (stream: string) => boolean) {
    const step = this.spec.pipeline[i]!;
    const needs = this.needsOf(this.wires[i]!.output!, i, input.schema);
    if (!needs) return null;
    for (const k of [...(step.keyBy ?? []), ...(input.keys ?? []), input.timeField]) if (k !== undefined) needs.add(k);
    const names = input.schema.fields.map((f) => f.name);
    // A step reading a column the stream lacks is the planner's to report, against the whole stream.
    if ([...needs].some((n) => !names.includes(n))) return null;
    const keep = names.filter((n) => needs.has(n));
    const stream = `pipeline[${i}].pruned`;
    if (keep.length === 0 || keep.length === input.schema.fields.length || taken(stream)) return null;
    const index = this.spec.pipeline.length + this.added.length;
    // Named after the keyBy it serves; its step (for the graph) is the appended one.
    const id = `pipeline[${i}].prune`;
    const create = () => new SelectOperator(id, input, keep);
    let info: StreamInfo;
    try {
      info = create().output;
    } catch {
      return null; // a column name the select syntax cannot take as it is: keep everything
    }
    if (info.schema.fields.some((f, n) => f.name !== keep[n])) return null;
    this.added.push({ from, select: keep, as: stream });
    const node: OperatorNode = { id, stepIndex: index, inputs: [from], output: stream, info, create };
    return { node, stream };
  }

  /** The spec the plan carries: the user's steps, then the projections (the graph reads each node's step). */
  finalSpec(): PipelineJobSpec {
    return this.added.length === 0 ? this.spec : { ...this.spec, pipeline: [...this.spec.pipeline, ...this.added] };
  }
}

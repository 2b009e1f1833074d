import type { Schema } from "apache-arrow";
import type { PipelineJobSpec } from "../contract/spec/schema.js";
import { columnNames } from "../expr/ast.js";
import { parseExpression, parseSelectItem } from "../expr/parse.js";
import { parseAggregates } from "../operators/window/aggregate-spec.js";
import type { StreamInfo } from "../types/stream-info.js";
import type { OperatorNode } from "./plan.js";
import { PrunedKeyBy } from "./pruned-key-by.js";
import { wiring } from "./step-wiring.js";

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

/**
 * Column pruning before exchanges: a keyBy step's input crosses the network, so it should carry
 * only the columns something downstream reads. For every keyBy step, what the steps after it
 * read is worked out from the spec: a filter its condition, a keyBy its keys (both pass every
 * column on, so what reads their output counts too), a select its expressions, a window its
 * aggregates' columns; a sink, a join or a Top-N reads everything, and so does anything that does
 * not parse (the planner reports it). The stream's event time and keys are always kept. When that
 * leaves columns out, the keyBy becomes a PrunedKeyBy of the kept columns (in their order): the
 * exchange before it sends those only, and the steps after it are planned on them. Step indices,
 * ids, streams and the graph stay as they are; what reaches a sink is unchanged, since a stream a
 * sink reads keeps every column.
 */
export class ColumnPruning {
  private readonly wires: ReturnType<typeof wiring>;

  constructor(private readonly spec: PipelineJobSpec) {
    this.wires = wiring(spec);
  }

  /** What the steps reading `stream` (after step `after`) need of it; `schema` is its schema. */
  private needsOf(stream: string, after: number, schema: Schema, depth = 0): Needs {
    if (depth > this.spec.pipeline.length) return null;
    // A stream defined twice (an `as` reused) is left alone: which step reads which is unclear.
    if (this.wires.filter((w) => w.output === stream).length > 1) return null;
    let needs: Needs = new Set();
    this.spec.pipeline.forEach((step, j) => {
      if (j <= after || !needs || !this.wires[j]!.inputs.includes(stream)) return;
      const passOn = () => this.needsOf(this.wires[j]!.output!, j, schema, depth + 1);
      if (step.filter !== undefined) needs = union(union(needs, expressionReads(step.filter)), passOn());
      else if (step.select !== undefined) needs = union(needs, selectReads(step.select));
      else if (step.keyBy !== undefined) needs = union(union(needs, new Set(step.keyBy)), passOn());
      else if (step.window !== undefined) needs = union(needs, aggregateReads(step.aggregate ?? [], schema));
      else if (step.upsertAggregate !== undefined) needs = union(needs, aggregateReads(step.upsertAggregate, schema));
      else needs = null;
    });
    return needs;
  }

  /**
   * Keyby step `i` (reading `inputs`, writing `output`) as a PrunedKeyBy node, or null when
   * every column of its input is needed.
   */
  keyBy(i: number, inputs: string[], output: string, input: StreamInfo): OperatorNode | null {
    const keys = this.spec.pipeline[i]!.keyBy ?? [];
    const keep = kept(this.needsOf(output, i, input.schema), input, keys);
    if (!keep) return null;
    const id = `pipeline[${i}].keyBy`;
    const create = () => new PrunedKeyBy(id, input, keys, keep);
    return { id, stepIndex: i, inputs, output, info: create().output, keyBy: keys, create };
  }

  /**
   * The columns of source `name` (stream `info`) that the steps reading it need, in schema order,
   * or null when they need every one: a source that decodes by column name then decodes only these.
   */
  sourceColumns(name: string, info: StreamInfo): string[] | null {
    return kept(this.needsOf(name, -1, info.schema), info, []);
  }
}

/** The stream's columns in `needs` plus its keys and event time, or null when that is all of them. */
function kept(needs: Needs, stream: StreamInfo, keys: string[]): string[] | null {
  if (!needs) return null;
  for (const k of [...keys, ...(stream.keys ?? []), stream.timeField]) if (k !== undefined) needs.add(k);
  const names = stream.schema.fields.map((f) => f.name);
  // A step reading a column the stream lacks is the planner's to report, against the whole stream.
  if ([...needs].some((n) => !names.includes(n))) return null;
  const keep = names.filter((n) => needs.has(n));
  return keep.length === 0 || keep.length === names.length ? null : keep;
}

import { KAFKA_SOURCE_DEFAULTS } from "../connectors/kafka/config.js";
import { checkSink, sourceStreamInfo } from "../connectors/registry.js";
import { parseDuration, parseSignedDuration } from "../contract/spec/duration.js";
import { SpecError, type SpecIssue } from "../contract/spec/errors.js";
import type { PipelineJobSpec, SourceSpec, StepSpec } from "../contract/spec/schema.js";
import { UpsertAggregateOperator } from "../operators/aggregate/upsert-aggregate.js";
import { UpsertTopNOperator } from "../operators/aggregate/upsert-top-n.js";
import { FilterOperator } from "../operators/filter.js";
import { IntervalJoinOperator } from "../operators/join/interval-join.js";
import { LookupJoinOperator } from "../operators/join/lookup-join.js";
import { RegularJoinOperator } from "../operators/join/regular-join.js";
import { WindowJoinOperator } from "../operators/join/window-join.js";
import { KeyByOperator } from "../operators/key-by.js";
import type { Operator } from "../operators/operator.js";
import { SelectOperator } from "../operators/select.js";
import { TopNOperator } from "../operators/window/top-n.js";
import { WindowAggregateOperator } from "../operators/window/window-aggregate.js";
import type { StreamInfo } from "../types/stream-info.js";
import type { JobPlan, OperatorNode, SinkNode, SourceNode } from "./plan.js";
import { preAggregatedKeyBy } from "./pre-aggregation.js";
import { ColumnPruning } from "./prune-columns.js";
import { recoverStep } from "./step-recovery.js";
import { checkUpsertSink, upsertOutput } from "./upsert-rules.js";
import { checkWindowShape } from "./window-rules.js";

const OPS = [
  "filter",
  "select",
  "keyBy",
  "window",
  "upsertAggregate",
  "join",
  "lookupJoin",
  "topN",
  "upsertTopN",
  "to",
] as const;
type OpName = (typeof OPS)[number];

function opOf(step: StepSpec): OpName {
  return OPS.find((k) => step[k] !== undefined) as OpName;
}

/**
 * Turns a shape-checked spec into a typed plan: resolves stream names, derives every stream's
 * schema and type-checks every expression by building each operator once. Collects every problem
 * (by spec path) instead of stopping at the first: a step's items are checked one by one when it
 * fails (step-recovery.ts), and later steps are checked against what its good items define; a
 * later step that only repeats an earlier mistake is skipped, so one mistake is reported once.
 */
export function buildPlan(jobName: string, spec: PipelineJobSpec): JobPlan {
  const plan = new PlanBuilder(spec);
  plan.addSources();
  spec.pipeline.forEach((step, i) => {
    plan.addStep(step, i);
  });
  return plan.finish(jobName);
}

/** One step's place in the pipeline: its input streams (left first) and the stream it writes. */
interface StepWiring {
  op: OpName;
  path: string;
  from: string;
  inputs: string[];
  output: string | undefined;
}

/** The plan as it grows step by step, with every problem found so far. */
class PlanBuilder {
  readonly issues: SpecIssue[] = [];
  readonly maxParallelism: number;
  readonly streams = new Map<string, StreamInfo>();
  /** Streams whose definition failed: steps reading them are skipped, not reported again. */
  readonly broken = new Set<string>();
  /** Column names a failed item defines or misses: later reads of them are not reported again. */
  readonly tainted = new Set<string>();
  readonly sources: SourceNode[] = [];
  readonly operators: OperatorNode[] = [];
  readonly sinks: SinkNode[] = [];
  /** The stream the previous step wrote: a step without `from` reads it. */
  private previous: string | undefined;
  private readonly pruning: ColumnPruning;
  /** Streams of partial aggregates (a PreAggregatedKeyBy's output): the rows they stand for. */
  private readonly rowsOf = new Map<string, StreamInfo>();

  constructor(private readonly spec: PipelineJobSpec) {
    this.maxParallelism = spec.maxParallelism ?? 128;
    this.pruning = new ColumnPruning(spec);
  }

  addSources(): void {
    for (const [name, s] of Object.entries(this.spec.sources)) {
      try {
        const spec = this.narrowSource(name, s, sourceStreamInfo(name, s));
        const info = sourceStreamInfo(name, spec);
        this.streams.set(name, info);
        this.sources.push({ name, spec, info, isTable: s.kafka?.table !== undefined });
      } catch (err) {
        this.issues.push({ path: `spec.sources.${name}`, message: (err as Error).message });
        this.broken.add(name);
      }
    }
  }

  /**
   * A generator, and a Kafka source in json or arrow (which read columns by name), are given only
   * the columns their readers need (prune-columns.ts) and never make or decode the others: the
   * stream has those columns. Avro is positional (every field must be read) and a table feeds a
   * lookup join whole.
   */
  private narrowSource(name: string, s: SourceSpec, info: StreamInfo): SourceSpec {
    if (s.generator) {
      const keep = this.pruning.sourceColumns(name, info);
      return keep ? { ...s, generator: { ...s.generator, columns: keep } } : s;
    }
    const format = s.kafka?.format ?? KAFKA_SOURCE_DEFAULTS.format;
    if (!s.kafka || s.kafka.table || !s.schema || (format !== "json" && format !== "arrow")) return s;
    const keep = this.pruning.sourceColumns(name, info);
    return keep ? { ...s, schema: s.schema.filter((f) => keep.includes(f.name)) } : s;
  }

  addStep(step: StepSpec, i: number): void {
    const w = this.wire(step, i);
    if (!w) return;
    this.previous = w.output;
    if (w.inputs.some((s) => this.broken.has(s))) {
      if (w.output) this.broken.add(w.output);
      return;
    }
    if (w.op === "to") this.addSink(step, i, w);
    else if (!(w.op === "keyBy" && (this.addPreAggregatedKeyBy(i, w) || this.addPrunedKeyBy(i, w))))
      this.addOperator(step, i, w, w.op);
  }

  /** A keyBy before a window that aggregates in two phases: partial rows cross (pre-aggregation.ts). */
  private addPreAggregatedKeyBy(i: number, w: StepWiring): boolean {
    const input = this.streams.get(w.from)!;
    const node = preAggregatedKeyBy(this.spec, i, w.inputs, w.output!, input, this.maxParallelism);
    if (!node) return false;
    this.streams.set(node.output, node.info);
    this.rowsOf.set(node.output, { ...input, keys: node.keyBy });
    this.operators.push(node);
    return true;
  }

  /** A keyBy's input crosses the network: it carries only the columns later steps read (prune-columns.ts). */
  private addPrunedKeyBy(i: number, w: StepWiring): boolean {
    // Over an upsert stream the keyBy goes the plain way, which refuses it (upsert-rules.ts).
    if (this.streams.get(w.from)!.upsertKey) return false;
    const node = this.pruning.keyBy(i, w.inputs, w.output!, this.streams.get(w.from)!);
    if (!node) return false;
    this.streams.set(node.output, node.info);
    this.operators.push(node);
    return true;
  }

  finish(jobName: string): JobPlan {
    const { issues, spec, maxParallelism, sources, operators, sinks, streams } = this;
    if (sinks.length === 0 && issues.length === 0)
      issues.push({ path: "spec.pipeline", message: "no step writes to a sink: add a step like `- to: <sink name>`" });
    if (issues.length > 0) throw new SpecError(issues);
    return { jobName, spec, maxParallelism, sources, operators, sinks, streams };
  }

  /** Resolves the step's input streams; null (with an issue) when one is missing or unknown. */
  private wire(step: StepSpec, i: number): StepWiring | null {
    const op = opOf(step);
    const path = `spec.pipeline[${i}]`;
    const from = step.from ?? this.previous;
    const output = step.as ?? (op === "to" ? from : `pipeline[${i}]`);
    if (from === undefined) {
      this.issues.push({ path: `${path}.from`, message: "the first step must name its input stream with `from`" });
      return this.unwired(output);
    }
    if (!this.known(from)) {
      this.issues.push({
        path: `${path}.from`,
        message: `unknown stream "${from}" (known: ${[...this.streams.keys()].join(", ")})`,
      });
      return this.unwired(output);
    }
    const rightName = step.join?.with ?? step.lookupJoin?.table;
    const inputs = rightName ? [from, rightName] : [from];
    if (rightName && !this.known(rightName)) {
      this.issues.push({ path: `${path}.${op}`, message: `unknown stream "${rightName}"` });
      return this.unwired(output);
    }
    return { op, path, from, inputs, output };
  }

  /**
   * A step that could not be wired still defines its output stream, as broken: the next step
   * reads it (and is skipped) instead of being told it lacks a `from`.
   */
  private unwired(output: string | undefined): null {
    if (output !== undefined) this.broken.add(output);
    this.previous = output;
    return null;
  }

  /** Defined, or broken (already reported). */
  private known(stream: string): boolean {
    return this.streams.has(stream) || this.broken.has(stream);
  }

  private addSink(step: StepSpec, i: number, w: StepWiring): void {
    const { spec } = this;
    const input = this.streams.get(w.from)!;
    const sink = Object.hasOwn(spec.sinks, step.to!) ? spec.sinks[step.to!] : undefined; // not `constructor` of Object.prototype
    if (!sink) {
      this.issues.push({
        path: `${w.path}.to`,
        message: `unknown sink "${step.to}" (sinks: ${Object.keys(spec.sinks).join(", ")})`,
      });
      return;
    }
    try {
      checkUpsertSink(sink, input);
      checkSink(sink, input);
      this.sinks.push({ id: `${w.path}.to`, name: step.to!, stepIndex: i, spec: sink, input: w.from, info: input });
    } catch (err) {
      this.issues.push({ path: `spec.sinks.${step.to}`, message: (err as Error).message });
    }
  }

  /** Builds the operator once: that derives its output schema and type-checks its expressions. */
  private addOperator(step: StepSpec, i: number, w: StepWiring, op: Exclude<OpName, "to">): void {
    const { inputs, output } = w;
    const id = `pipeline[${i}].${op}`;
    const partials = this.rowsOf.get(w.from);
    const input = partials ?? this.streams.get(w.from)!;
    const right = inputs[1] ? this.streams.get(inputs[1])! : undefined;
    const context = {
      id,
      step,
      input,
      right,
      spec: this.spec,
      maxParallelism: this.maxParallelism,
      partials: partials !== undefined,
    };
    // The issue's path already names the step: drop the operator name messages start with.
    const clean = (err: unknown) => withoutPrefix((err as Error).message, id);
    try {
      const create = OPERATOR_FACTORIES[op](context);
      const info = upsertOutput(op, [input, right], create().output);
      this.streams.set(output!, info);
      this.operators.push({ id, stepIndex: i, inputs, output: output!, info, keyBy: step.keyBy, create });
    } catch (err) {
      const { messages, output: partial } = recoverStep({
        op,
        step,
        input,
        message: clean(err),
        tainted: this.tainted,
        build: (s) => OPERATOR_FACTORIES[op]({ ...context, step: s }),
        clean,
      });
      for (const message of messages) this.issues.push({ path: `${w.path}.${op}`, message });
      if (partial) this.streams.set(output!, partial);
      else this.broken.add(output!);
    }
  }
}

function withoutPrefix(message: string, id: string): string {
  return message.startsWith(`${id}: `) ? message.slice(id.length + 2) : message;
}

/** What an operator factory needs to check a step and build its operator. */
interface StepContext {
  id: string;
  step: StepSpec;
  input: StreamInfo;
  /** The right-hand stream of a join or lookup join. */
  right: StreamInfo | undefined;
  spec: PipelineJobSpec;
  maxParallelism: number;
  /** The input arrives as partial aggregates of `input`'s rows (a window after a PreAggregatedKeyBy). */
  partials: boolean;
}

/** Per operator: checks what the operator's constructor cannot, then returns how to build it. */
const OPERATOR_FACTORIES: Record<Exclude<OpName, "to">, (c: StepContext) => () => Operator> = {
  filter:
    ({ id, input, step }) =>
    () =>
      new FilterOperator(id, input, step.filter!),
  select:
    ({ id, input, step }) =>
    () =>
      new SelectOperator(id, input, step.select!),
  keyBy: keyByFactory,
  window: windowFactory,
  upsertAggregate:
    ({ id, input, step, maxParallelism }) =>
    () =>
      new UpsertAggregateOperator({
        name: id,
        input,
        keys: input.keys ?? [],
        aggregates: step.upsertAggregate!,
        maxParallelism,
      }),
  join: joinFactory,
  lookupJoin: lookupJoinFactory,
  topN:
    ({ id, input, step, maxParallelism }) =>
    () =>
      new TopNOperator({ name: id, input, ...step.topN!, partitionBy: step.topN!.partitionBy ?? [], maxParallelism }),
  upsertTopN: upsertTopNFactory,
};

/** Every row of a partition must reach the same subtask: the stream is keyed by (some of) its columns. */
function upsertTopNFactory({ id, input, step, maxParallelism }: StepContext): () => Operator {
  const t = step.upsertTopN!;
  if (input.keys === undefined || input.keys.some((k) => !t.partitionBy.includes(k)))
    throw new Error(
      `an upsertTopN step needs its input keyed by partition columns: add \`keyBy: [${t.partitionBy.join(", ")}]\` before it`,
    );
  return () => new UpsertTopNOperator({ name: id, input, ...t, maxParallelism });
}

function keyByFactory({ id, input, step }: StepContext): () => Operator {
  const missing = step.keyBy!.filter((k) => !input.schema.fields.some((f) => f.name === k));
  if (missing.length > 0)
    throw new Error(
      `unknown column ${missing.join(", ")} (columns: ${input.schema.fields.map((f) => f.name).join(", ")})`,
    );
  return () => new KeyByOperator(id, input, step.keyBy!);
}

function windowFactory({ id, input, step, maxParallelism, partials }: StepContext): () => Operator {
  if (!step.aggregate) throw new Error('a window step needs `aggregate` (e.g. ["count(*) AS n"])');
  if (!input.timeField && step.window?.time !== "processing")
    throw new Error("the input stream has no event time: declare `eventTime` on its source");
  checkWindowShape(step.window!);
  return () =>
    new WindowAggregateOperator({
      name: id,
      input,
      keys: input.keys ?? [],
      window: step.window!,
      aggregates: step.aggregate!,
      windowTime: step.windowTime,
      maxParallelism,
      partials,
    });
}

/** A join step: a window join (window), an interval join (between) or a regular join (neither). */
function joinFactory({ id, input, right, step, maxParallelism }: StepContext): () => Operator {
  const j = step.join!;
  const common = {
    name: id,
    left: input,
    right: right!,
    rightName: j.with,
    leftKey: j.leftKey,
    rightKey: j.rightKey,
    maxParallelism,
  };
  if (!j.window && !j.between) {
    if (j.stateTtl && (!input.timeField || !right!.timeField))
      throw new Error("stateTtl is on event time: declare `eventTime` on the sources of both sides");
    const stateTtl = j.stateTtl === undefined ? undefined : parseDuration(j.stateTtl);
    return () => new RegularJoinOperator({ ...common, stateTtl });
  }
  if (!input.timeField || !right!.timeField)
    throw new Error(
      `both sides of ${j.window ? "a windowed" : "an interval"} join need event time: declare \`eventTime\` on their sources`,
    );
  if (j.between) {
    const lower = parseSignedDuration(j.between.lower);
    const upper = parseSignedDuration(j.between.upper);
    return () => new IntervalJoinOperator({ ...common, lower, upper });
  }
  checkWindowShape(j.window!);
  return () => new WindowJoinOperator({ ...common, window: j.window! });
}

function lookupJoinFactory({ id, input, right, step, spec, maxParallelism }: StepContext): () => Operator {
  const l = step.lookupJoin!;
  const tableKey = spec.sources[l.table]?.kafka?.table?.key;
  if (!tableKey) throw new Error(`"${l.table}" is not a table: give its kafka source \`table: {key: [...]}\``);
  return () =>
    new LookupJoinOperator({
      name: id,
      input,
      table: right!,
      tableName: l.table,
      key: l.key,
      tableKey,
      type: l.type ?? "inner",
      maxParallelism,
    });
}

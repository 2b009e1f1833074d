import { checkSink, sourceStreamInfo } from "../connectors/registry.js";
import { FilterOperator } from "../operators/filter.js";
import { LookupJoinOperator } from "../operators/join/lookup-join.js";
import { WindowJoinOperator } from "../operators/join/window-join.js";
import { KeyByOperator } from "../operators/key-by.js";
import type { Operator } from "../operators/operator.js";
import type { StreamInfo } from "../types/stream-info.js";
import { SelectOperator } from "../operators/select.js";
import { WindowAggregateOperator } from "../operators/window/window-aggregate.js";
import { SpecError, type SpecIssue } from "../contract/spec/errors.js";
import type { StepSpec, StreamJobSpec } from "../contract/spec/schema.js";
import type { JobPlan, OperatorNode, SinkNode, SourceNode } from "./plan.js";

const OPS = ["filter", "select", "keyBy", "window", "join", "lookupJoin", "to"] as const;
type OpName = (typeof OPS)[number];

function opOf(step: StepSpec): OpName {
  return OPS.find((k) => step[k] !== undefined) as OpName;
}

/**
 * Turns a shape-checked spec into a typed plan: resolves stream names, derives every stream's
 * schema and type-checks every expression by building each operator once. Collects every problem
 * (by spec path) instead of stopping at the first; steps downstream of a broken one are skipped so
 * one mistake is reported once.
 */
export function buildPlan(jobName: string, spec: StreamJobSpec): JobPlan {
  const issues: SpecIssue[] = [];
  const maxParallelism = spec.maxParallelism ?? 128;
  const streams = new Map<string, StreamInfo>();
  const broken = new Set<string>();
  const sources: SourceNode[] = [];
  for (const [name, s] of Object.entries(spec.sources)) {
    try {
      const info = sourceStreamInfo(name, s);
      streams.set(name, info);
      sources.push({ name, spec: s, info, isTable: s.kafka?.table !== undefined });
    } catch (err) {
      issues.push({ path: `spec.sources.${name}`, message: (err as Error).message });
      broken.add(name);
    }
  }

  const operators: OperatorNode[] = [];
  const sinks: SinkNode[] = [];
  let previous: string | undefined;
  spec.pipeline.forEach((step, i) => {
    const op = opOf(step);
    const path = `spec.pipeline[${i}]`;
    const from = step.from ?? previous;
    const output = step.as ?? (op === "to" ? from : `pipeline[${i}]`);
    if (from === undefined) {
      issues.push({ path: `${path}.from`, message: "the first step must name its input stream with `from`" });
      return;
    }
    if (!streams.has(from) && !broken.has(from)) {
      issues.push({ path: `${path}.from`, message: `unknown stream "${from}" (known: ${[...streams.keys()].join(", ")})` });
      return;
    }
    const rightName = step.join?.with ?? step.lookupJoin?.table;
    const inputs = rightName ? [from, rightName] : [from];
    if (rightName && !streams.has(rightName) && !broken.has(rightName)) {
      issues.push({ path: `${path}.${op}`, message: `unknown stream "${rightName}"` });
      return;
    }
    previous = output;
    if (inputs.some((s) => broken.has(s))) {
      if (output) broken.add(output);
      return;
    }
    const input = streams.get(from)!;
    if (op === "to") {
      const sink = Object.hasOwn(spec.sinks, step.to!) ? spec.sinks[step.to!] : undefined; // not `constructor` of Object.prototype
      if (!sink) issues.push({ path: `${path}.to`, message: `unknown sink "${step.to}" (sinks: ${Object.keys(spec.sinks).join(", ")})` });
      else {
        try {
          checkSink(sink, input);
          sinks.push({ id: `${path}.to`, name: step.to!, stepIndex: i, spec: sink, input: from, info: input });
        } catch (err) {
          issues.push({ path: `spec.sinks.${step.to}`, message: (err as Error).message });
        }
      }
      return;
    }
    const id = `pipeline[${i}].${op}`;
    try {
      const create = operatorFactory(id, op, step, input, inputs[1] ? streams.get(inputs[1])! : undefined, spec, maxParallelism);
      const info = create().output;
      streams.set(output!, info);
      operators.push({ id, stepIndex: i, inputs, output: output!, info, keyBy: step.keyBy, create });
    } catch (err) {
      issues.push({ path: `${path}.${op}`, message: (err as Error).message });
      broken.add(output!);
    }
  });
  if (sinks.length === 0 && issues.length === 0)
    issues.push({ path: "spec.pipeline", message: "no step writes to a sink: add a step like `- to: <sink name>`" });
  if (issues.length > 0) throw new SpecError(issues);
  return { jobName, spec, maxParallelism, sources, operators, sinks, streams };
}

function operatorFactory(
  id: string,
  op: Exclude<OpName, "to">,
  step: StepSpec,
  input: StreamInfo,
  right: StreamInfo | undefined,
  spec: StreamJobSpec,
  maxParallelism: number,
): () => Operator {
  switch (op) {
    case "filter":
      return () => new FilterOperator(id, input, step.filter!);
    case "select":
      return () => new SelectOperator(id, input, step.select!);
    case "keyBy": {
      const missing = step.keyBy!.filter((k) => !input.schema.fields.some((f) => f.name === k));
      if (missing.length > 0)
        throw new Error(`unknown column ${missing.join(", ")} (columns: ${input.schema.fields.map((f) => f.name).join(", ")})`);
      return () => new KeyByOperator(id, input, step.keyBy!);
    }
    case "window":
      if (!step.aggregate) throw new Error("a window step needs `aggregate` (e.g. [\"count(*) AS n\"])");
      if (!input.timeField) throw new Error("the input stream has no event time: declare `eventTime` on its source");
      return () =>
        new WindowAggregateOperator({
          name: id,
          input,
          keys: input.keys ?? [],
          window: step.window!,
          aggregates: step.aggregate!,
          maxParallelism,
        });
    case "join": {
      const j = step.join!;
      if (!input.timeField || !right!.timeField)
        throw new Error("both sides of a windowed join need event time: declare `eventTime` on their sources");
      return () =>
        new WindowJoinOperator({
          name: id,
          left: input,
          right: right!,
          rightName: j.with,
          leftKey: j.leftKey,
          rightKey: j.rightKey,
          window: j.window,
          maxParallelism,
        });
    }
    case "lookupJoin": {
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
  }
}

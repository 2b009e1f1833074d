import { SpecError } from "../../runtime/contract/spec/errors.js";
import type { StepSpec } from "../../runtime/contract/spec/schema.js";
import { buildExecutionGraph, type ExecutionGraph } from "../../runtime/engine/graph.js";
import type { JobPlan, OperatorNode } from "../../runtime/planner/plan.js";
import { pipelineSpecOf } from "../../runtime/planner/sql/plan-sql.js";
import { sqlPath } from "../../runtime/planner/sql/sql-error.js";
import { planFile, planManifest } from "../../runtime/planner/validate.js";
import { inFiles, readSqlFiles } from "./sql-files.js";

/**
 * `sabot explain job.yaml`, or `sabot explain tables.sql q1.sql`: the plan of a YAML or SQL job,
 * without running it. .sql files are read, in order, as the `spec.sql` of a job named after the
 * last one; SQL positions then name the file they are in.
 */
export function explainCommand(files: string[]): void {
  if (files.every((f) => f.endsWith(".sql"))) {
    const sql = readSqlFiles(files);
    try {
      const plan = planManifest({ name: sql.name, spec: { sql: sql.sql } });
      const origins = pipelineSpecOf({ sql: sql.sql }).origins!.stepOrigins;
      console.log(explainText(plan, (i) => sql.where(sqlPath(origins[i]))));
    } catch (err) {
      throw inFiles(err, sql);
    }
    return;
  }
  if (files.length !== 1)
    throw new SpecError([{ path: files.join(" "), message: "give one manifest, or .sql files only (tables first)" }]);
  const { manifest, plan } = planFile(files[0]);
  const origins = pipelineSpecOf(manifest.spec).origins?.stepOrigins;
  console.log(explainText(plan, origins ? (i) => sqlPath(origins[i]).replace(/^spec\./, "") : undefined));
}

/**
 * The plan as text: chains (what runs together in one subtask, between exchanges), the exchanges
 * (which stream is repartitioned, how, into which operator), then per operator what it does, the
 * state it keeps and its output columns. `origin` names where a step came from (a SQL position).
 */
export function explainText(plan: JobPlan, origin?: (stepIndex: number) => string): string {
  const graph = buildExecutionGraph(plan);
  const lines = [
    `job ${plan.jobName}: ${plan.sources.length} source(s), ${plan.operators.length} operator(s), ${plan.sinks.length} sink(s); ${plan.maxParallelism} key groups`,
    "",
    "chains (each runs as one task per subtask; exchanges between them):",
    ...graph.vertices.map((v) => `  [${v.id}] ${v.name}`),
    "",
    "exchanges:",
    ...exchangeLines(graph),
    "",
    "operators:",
  ];
  for (const node of plan.operators) {
    const step = plan.spec.pipeline[node.stepIndex];
    const from = origin ? ` (${origin(node.stepIndex)})` : "";
    lines.push(`  ${node.id}${from}: ${what(step)}`);
    lines.push(`    state: ${stateOf(step, node, plan)}`);
    lines.push(`    output ${node.output}: ${columns(plan, node.output)}`);
  }
  lines.push("", "sources:");
  for (const s of plan.sources) lines.push(`  ${s.name}: ${columns(plan, s.name)}`);
  lines.push("", "sinks:");
  for (const k of plan.sinks) lines.push(`  ${k.name} <- ${k.input} (${Object.keys(k.spec).join("")})`);
  return lines.join("\n");
}

function exchangeLines(graph: ExecutionGraph): string[] {
  if (graph.edges.length === 0) return ["  none: every operator runs chained to its sources"];
  return graph.edges.map((e) => {
    const how = e.partitioning.kind === "hash" ? `hash(${e.partitioning.columns.join(", ")})` : "all to subtask 0";
    return `  #${e.id}: ${e.stream} -> ${e.target} (input ${e.input}), ${how}`;
  });
}

function columns(plan: JobPlan, stream: string): string {
  const info = plan.streams.get(stream);
  if (!info) return "?";
  const cols = info.schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(", ");
  const time = info.timeField ? `; event time ${info.timeField}` : "; no event time";
  const keys = info.keys?.length ? `; keyed by ${info.keys.join(", ")}` : "";
  return `${cols}${time}${keys}`;
}

function what(step: StepSpec): string {
  if (step.filter !== undefined) return `filter ${step.filter}`;
  if (step.select) return `select ${step.select.join(", ")}`;
  if (step.keyBy) return `keyBy ${step.keyBy.join(", ")}`;
  if (step.window) return `window ${windowText(step.window)}: ${step.aggregate?.join(", ") ?? ""}`;
  if (step.join) return joinText(step.join);
  if (step.lookupJoin) return `lookup join ${step.lookupJoin.table} on ${step.lookupJoin.key.join(", ")}`;
  if (step.upsertAggregate) return `updating aggregate (no window): ${step.upsertAggregate.join(", ")}`;
  if (step.upsertTopN) {
    const t = step.upsertTopN;
    return `updating Top-${t.limit} per (${t.partitionBy.join(", ")}) by ${t.orderBy.join(", ")}`;
  }
  return "?";
}

function joinText(j: NonNullable<StepSpec["join"]>): string {
  const on = `with ${j.with} on ${j.leftKey.join(", ")} = ${j.rightKey.join(", ")}`;
  if (j.window) return `window join ${on}, ${windowText(j.window)}`;
  const plus = (d: string) => (d.startsWith("-") ? `- ${d.slice(1)}` : `+ ${d}`);
  if (j.between)
    return `interval join ${on}, left time in [right time ${plus(j.between.lower)}, right time ${plus(j.between.upper)}]`;
  return `regular join ${on}${j.stateTtl ? `, state TTL ${j.stateTtl}` : ""}`;
}

function windowText(w: NonNullable<StepSpec["window"]>): string {
  const clock = w.time === "processing" ? " on processing time" : "";
  if (w.type === "session") return `session gap ${w.gap}${clock}`;
  return `${w.type === "sliding" ? `sliding size ${w.size} slide ${w.slide}` : `tumbling ${w.size}`}${clock}`;
}

/** What an operator keeps between batches (and so in checkpoints). */
function stateOf(step: StepSpec, node: OperatorNode, plan: JobPlan): string {
  const keys = plan.streams.get(node.inputs[0])?.keys ?? [];
  const perKey = keys.length ? `per (${keys.join(", ")}, window)` : "per window (one global key)";
  if (step.window)
    return `keyed window state: ${perKey}, one accumulator per aggregate until ${step.window.time === "processing" ? "the wall clock" : "the watermark"} passes the window end`;
  if (step.join?.window) return "keyed buffers of both sides' rows per window until the watermark passes its end";
  if (step.join?.between)
    return "keyed rows of both sides until the watermark passes the interval they can still match in";
  if (step.join)
    return step.join.stateTtl
      ? `keyed rows of both sides until the watermark passes their event time + ${step.join.stateTtl}`
      : "keyed rows of both sides, kept forever (grows with the inputs; set stateTtl to bound it)";
  if (step.lookupJoin) return `the latest ${step.lookupJoin.table} row per key`;
  if (step.upsertAggregate)
    return `keyed: one accumulator per aggregate ${keys.length ? `per (${keys.join(", ")})` : "(one global key)"}, kept forever; emits an upsert stream`;
  if (step.upsertTopN)
    return `keyed: the best ${step.upsertTopN.limit} rows per partition, kept forever; emits an upsert stream`;
  return "none (stateless)";
}

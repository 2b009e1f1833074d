import { SpecError, type SpecIssue } from "../../contract/spec/errors.js";
import type { PipelineJobSpec, StreamJobSpec } from "../../contract/spec/schema.js";
import { buildPlan } from "../build-plan.js";
import type { JobPlan } from "../plan.js";
import { type CompiledSql, compileAdHocQuery, compileSql } from "./compile-sql.js";
import { SqlSyntaxErrors } from "./grammar.js";
import { sinkTypeIssues } from "./sink-types.js";
import { SqlError, sqlPath } from "./sql-error.js";

/**
 * The pipeline form of a spec: itself, or its `sql` compiled (a SpecError at `spec.sql:line:col`
 * when the SQL cannot be compiled). `origins` lets planner errors point back into the SQL.
 */
export function pipelineSpecOf(spec: StreamJobSpec): { spec: PipelineJobSpec; origins?: CompiledSql } {
  if (spec.sql === undefined) return { spec: spec as PipelineJobSpec };
  const sql = spec.sql;
  const compiled = asSpecError(() => compileSql(sql));
  const { sources, pipeline, sinks } = compiled;
  return { spec: { ...spec, sources, pipeline, sinks }, origins: compiled };
}

/**
 * Plans a pipeline-form spec; for a compiled SQL job (`origins`), planner errors point into the SQL
 * and the INSERTs' column types are checked against their tables.
 */
export function planPipeline(jobName: string, spec: PipelineJobSpec, origins?: CompiledSql): JobPlan {
  let plan: JobPlan;
  try {
    plan = buildPlan(jobName, spec);
  } catch (err) {
    throw origins && err instanceof SpecError ? sqlIssues(err, origins) : err;
  }
  const sinkIssues = origins ? sinkTypeIssues(plan, origins) : [];
  if (sinkIssues.length > 0) throw new SpecError(sinkIssues);
  return plan;
}

/** The plan of an ad-hoc SELECT over the tables and views of a job's SQL (`sabot sql`). */
export function planAdHocQuery(jobName: string, tables: string, query: string): JobPlan {
  const compiled = asSpecError(() => compileAdHocQuery(tables, query));
  const { sources, pipeline, sinks } = compiled;
  return planPipeline(jobName, { sources, pipeline, sinks }, compiled);
}

/** SQL errors as a SpecError at `spec.sql:line:col`. */
function asSpecError<T>(compile: () => T): T {
  try {
    return compile();
  } catch (err) {
    const errors = err instanceof SqlSyntaxErrors ? err.errors : err instanceof SqlError ? [err] : undefined;
    if (!errors) throw err;
    throw new SpecError(
      errors.map((e) => ({ path: sqlPath(e.at), message: e.problem + (e.hint ? ` (${e.hint})` : "") })),
    );
  }
}

/**
 * A planner error of a compiled SQL job at the SQL it came from: `spec.pipeline[3].filter` becomes
 * the line and column of the WHERE clause, `spec.sources.bid` that of CREATE TABLE bid.
 */
export function sqlIssues(err: SpecError, origins: CompiledSql): SpecError {
  const issues: SpecIssue[] = err.issues.map((issue) => {
    const step = /^spec\.pipeline\[(\d+)\]/.exec(issue.path);
    const table = /^spec\.(?:sources|sinks)\.([^.]+)/.exec(issue.path);
    const at = step ? origins.stepOrigins[Number(step[1])] : table ? origins.tableOrigins[table[1]] : undefined;
    return at ? { path: sqlPath(at), message: issue.message } : issue;
  });
  return new SpecError(issues);
}

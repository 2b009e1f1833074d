import { SpecError, type SpecIssue } from "../../contract/spec/errors.js";
import type { PipelineJobSpec, StreamJobSpec } from "../../contract/spec/schema.js";
import { type CompiledSql, compileSql } from "./compile-sql.js";
import { SqlSyntaxErrors } from "./grammar.js";
import { SqlError, sqlPath } from "./sql-error.js";

/**
 * The pipeline form of a spec: itself, or its `sql` compiled (a SpecError at `spec.sql:line:col`
 * when the SQL cannot be compiled). `origins` lets planner errors point back into the SQL.
 */
export function pipelineSpecOf(spec: StreamJobSpec): { spec: PipelineJobSpec; origins?: CompiledSql } {
  if (spec.sql === undefined) return { spec: spec as PipelineJobSpec };
  try {
    const compiled = compileSql(spec.sql);
    const { sources, pipeline, sinks } = compiled;
    return { spec: { ...spec, sources, pipeline, sinks }, origins: compiled };
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

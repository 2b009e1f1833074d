import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { SpecError } from "../../runtime/contract/spec/errors.js";
import { loadManifest } from "../../runtime/contract/spec/manifest.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { planAdHocQuery } from "../../runtime/planner/sql/plan-sql.js";
import { localRunOptions, summaryText } from "./progress.js";

export interface SqlFlags {
  maxRecords?: string;
  duration?: string;
  quiet?: boolean;
}

/**
 * `sabot sql <job.yaml|tables.sql> "SELECT ..."`: runs one SELECT over the tables and views of a
 * SQL job in this process and prints its rows, for exploration. The job's own INSERTs do not run.
 */
export async function sqlCommand(source: string, query: string, flags: SqlFlags): Promise<void> {
  const plan = planAdHocQuery(basename(source).replace(/\.(sql|ya?ml)$/, ""), tablesOf(source), query);
  const job = new LocalJob(plan, localRunOptions(flags));
  const stop = () => job.stop();
  process.once("SIGINT", stop);
  const summary = await job.run();
  process.off("SIGINT", stop);
  process.stderr.write(`${summaryText(summary)}\n`);
}

/** The CREATE TABLE and CREATE VIEW text of a .sql file or of a manifest's spec.sql. */
function tablesOf(source: string): string {
  if (source.endsWith(".sql")) {
    try {
      return readFileSync(source, "utf8");
    } catch (err) {
      throw new SpecError([{ path: source, message: `cannot read the SQL: ${(err as Error).message}` }]);
    }
  }
  const { spec } = loadManifest(source);
  if (spec.sql === undefined)
    throw new SpecError([
      { path: `${source}: spec.sql`, message: "sabot sql reads the tables of a SQL job; this job has none" },
    ]);
  return spec.sql;
}

import { SpecError } from "../../runtime/contract/spec/errors.js";
import { planManifest } from "../../runtime/planner/validate.js";
import { ROW_QUERIES } from "./baseline/row-queries.js";
import type { CaseResult } from "./nexmark-case.js";
import { NEXMARK_QUERIES, nexmarkSql } from "./nexmark-sql.js";
import type { SqlCaseResult } from "./nexmark-sql-case.js";
import { fmt, runCase, table } from "./run-case.js";

/**
 * Every Nexmark query of examples/nexmark as SQL (q0 to q22) on the generator, about `events`
 * source events per query (the tables a query reads, scaled together in the suite's proportions:
 * q3 and q8 read persons and auctions only), in process, one core: events per second of wall time
 * and of the process's CPU time (the per-core figure, robust to a loaded machine), peak RSS and
 * output rows per query, each in its own process; where the row-at-a-time baseline has the query
 * (q0, q1, q2, q7 and q8, the YAML shapes), that baseline and the YAML form on as many events; for
 * a query Sabot refuses, the planner's reason.
 */
export function nexmarkSqlBench(events: number): void {
  const rows: (string | number)[][] = [];
  const refused: string[] = [];
  for (const q of NEXMARK_QUERIES) {
    const planned = plannedEvents(q);
    if (typeof planned === "string") {
      rows.push([q, "refused", "", "", "", "", "", "", ""]);
      refused.push(`  ${q}: ${planned}`);
      continue;
    }
    const col = runCase<SqlCaseResult>("./nexmark-sql-case.ts", [q, String(events / planned)]);
    // The baseline reads as many events (q8: persons and auctions) as the SQL job did.
    const row = ROW_QUERIES[q] ? runCase<CaseResult>("./nexmark-case.ts", [q, "row", String(col.events)]) : undefined;
    // The YAML form of the same query (examples/nexmark/qN.yaml), where there is one, for the same load.
    const yaml = ROW_QUERIES[q]
      ? runCase<CaseResult>("./nexmark-case.ts", [q, "columnar", String(col.events)])
      : undefined;
    rows.push([
      q,
      fmt(col.events),
      fmt(col.eventsPerSec),
      fmt(col.eventsPerCpuSec),
      col.peakRssMiB.toFixed(0),
      yaml ? fmt(yaml.eventsPerCpuSec) : "",
      row ? fmt(row.eventsPerCpuSec) : "",
      row ? `${(col.eventsPerCpuSec / row.eventsPerCpuSec).toFixed(1)}x` : "",
      col.outputRows,
    ]);
  }
  console.log(
    `\nNexmark SQL (examples/nexmark), ~${fmt(events)} events per query, one core: events per wall second and per CPU second`,
  );
  console.log(
    table(
      ["query", "events", "ev/s wall", "ev/CPU-s", "peak MiB", "YAML ev/CPU-s", "row ev/CPU-s", "vs row", "out rows"],
      rows,
    ),
  );
  if (refused.length > 0) console.log(`refused (the missing feature, as the planner says):\n${refused.join("\n")}`);
}

/** The events a query reads at tables.sql's counts, or why the planner refuses it (its first issue). */
function plannedEvents(query: string): number | string {
  try {
    const sql = nexmarkSql(query, 1, "/tmp/sabot-bench-plan");
    const plan = planManifest({ name: `nexmark-${query}`, spec: { sql } });
    return Object.values(plan.spec.sources).reduce((n, s) => n + (s.generator?.count ?? 0), 0);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    const first = err.issues[0];
    return `${first.message} (${first.path.replace(/^spec\.sql/, `${query}.sql`)})`;
  }
}

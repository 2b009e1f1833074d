import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { AutoscalerMetrics } from "../../operator/autoscaler/metrics.js";
import { OperatorMetrics } from "../../operator/kube/metrics.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";
import { DASHBOARD_FILE, dashboardQueries, loadDashboard, metricNames } from "./dashboard.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Type-checks the dashboard JSON as an object literal against @grafana/schema's `Dashboard` (the
 * classic JSON model that file-provisioned and sidecar-loaded dashboards use). As a literal in
 * source, not an imported .json, its strings keep their literal types and unknown properties are
 * excess-property errors, so a misspelt or misplaced field fails. Returns the compiler's messages.
 */
function typecheckAgainstGrafanaSchema(json: string): string[] {
  // A virtual file beside this test, so "@grafana/schema" resolves from the repository's node_modules.
  const file = join(HERE, "__dashboard_typecheck.ts");
  const source = `import type { Dashboard } from "@grafana/schema";\nexport const dashboard: Dashboard = ${json};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => (resolve(f) === file ? source : read(f));
  host.fileExists = (f) => resolve(f) === file || exists(f);
  host.getSourceFile = (f, lang) => {
    const text = host.readFile(f);
    return text === undefined ? undefined : ts.createSourceFile(f, text, lang);
  };
  const program = ts.createProgram([file], options, host);
  const lines = source.split("\n");
  // Each message with the dashboard line it points at (line 2 of the source is the JSON's first).
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    return `${ts.flattenDiagnosticMessageText(d.messageText, "\n")}${line >= 0 ? ` at dashboard line ${line}: ${lines[line].trim()}` : ""}`;
  });
}

/** Names Prometheus stores for the metrics Sabot registers (histograms as their three series). */
function exportedMetricNames(): Set<string> {
  const operator = new OperatorMetrics();
  new AutoscalerMetrics(operator.registry);
  const names = new Set<string>();
  for (const registry of [new EngineMetrics().registry, operator.registry]) {
    for (const m of registry.getMetricsAsArray()) {
      names.add(m.name);
      if (m.constructor.name === "Histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(`${m.name}${s}`);
    }
  }
  return names;
}

describe(`the Grafana dashboard (${DASHBOARD_FILE})`, () => {
  const dashboard = loadDashboard();

  it("is a valid Dashboard of @grafana/schema", () => {
    expect(typecheckAgainstGrafanaSchema(JSON.stringify(dashboard, null, 2))).toEqual([]);
  }, 60_000);

  it("would fail the schema check with a misspelt field, so the check has teeth", () => {
    const wrongType = typecheckAgainstGrafanaSchema(JSON.stringify({ ...dashboard, schemaVersion: "39" }, null, 2));
    expect(wrongType.join("\n")).toMatch(/not assignable to type 'number'.*"schemaVersion": "39"/);
    const unknownField = typecheckAgainstGrafanaSchema(
      JSON.stringify({ ...dashboard, refreshInterval: "30s" }, null, 2),
    );
    expect(unknownField.join("\n")).toMatch(/'"refreshInterval"' does not exist in type 'Dashboard'/);
  }, 60_000);

  it("reads only metrics that runtime/metrics and the operator export", () => {
    const known = exportedMetricNames();
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap((q) =>
      metricNames(q.expr)
        .filter((n) => !known.has(n))
        .map((n) => `${q.panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
    for (const q of queries) expect(metricNames(q.expr), q.panel).not.toEqual([]);
  });

  it("covers jobs, busy and backpressure, event time, Kafka, checkpoints, the operator and the autoscaler", () => {
    const used = new Set(dashboardQueries(dashboard).flatMap((q) => metricNames(q.expr)));
    for (const m of [
      "sabot_operator_records_in_total",
      "sabot_operator_records_out_total",
      "sabot_subtask_busy_seconds_total",
      "sabot_subtask_backpressured_seconds_total",
      "sabot_watermark_lag_seconds",
      "sabot_late_records_dropped_total",
      "sabot_kafka_consumer_lag",
      "sabot_checkpoints_total",
      "sabot_operator_reconciles_total",
      "sabot_operator_reconcile_duration_seconds_bucket",
      "sabot_operator_queue_depth",
      "sabot_operator_autoscaler_recommended_parallelism",
      "sabot_operator_autoscaler_decisions_total",
    ])
      expect(used, m).toContain(m);
    expect(dashboard.panels.filter((p) => p.type === "row").map((p) => p.title)).toEqual([
      "Job throughput",
      "Busy and backpressure",
      "Event time",
      "Kafka",
      "Checkpoints",
      "Operator",
      "Autoscaler",
    ]);
  });

  it("lays panels out on Grafana's 24-column grid with unique ids, each query on the chosen data source", () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      // No two panels overlap.
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      if (p.type === "row") continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets!.map((t) => t.refId)).size, p.title).toBe(p.targets!.length);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, not a JS template
      for (const t of p.targets!) expect(t.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
    }
  });

  it("defines every template variable its queries use", () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    expect([...defined]).toEqual(["datasource", "namespace", "job_name"]);
    const used = new Set(
      dashboardQueries(dashboard).flatMap((q) => [...q.expr.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1])),
    );
    expect([...used].filter((v) => !v.startsWith("__") && !defined.has(v))).toEqual([]);
    // "All" must match series without the label too (annotation-based scrapes add no namespace).
    for (const v of dashboard.templating.list.filter((v) => v.type === "query")) expect(v.allValue, v.name).toBe(".*");
  });
});

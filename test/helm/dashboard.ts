import { readFileSync } from "node:fs";

/** The Grafana dashboard the chart ships (monitoring.dashboard.enabled), from the repository root. */
export const DASHBOARD_FILE = "helm/sabot/dashboards/sabot.json";

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}

export interface DashboardJson {
  uid: string;
  title: string;
  templating: { list: { name: string; type: string; allValue?: string }[] };
  panels: DashboardPanel[];
}

export function loadDashboard(): DashboardJson {
  return JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as DashboardJson;
}

/** Every query of the dashboard, with the panel it belongs to. */
export function dashboardQueries(d: DashboardJson): { panel: string; refId: string; expr: string }[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })));
}

/**
 * An expression as Grafana would send it to Prometheus: template variables replaced by concrete
 * values (`values`, e.g. a job name or the "All" regex `.*`), and Grafana's built-in interval
 * variables by fixed windows a 1 s scrape interval fills.
 */
export function substitute(
  expr: string,
  values: Record<string, string>,
  windows = { rateInterval: "30s", range: "5m" },
): string {
  const out = expr
    .replaceAll("$__rate_interval", windows.rateInterval)
    .replaceAll("$__range", windows.range)
    .replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`no value for template variable ${whole} in: ${expr}`);
      return v;
    });
  return out;
}

/**
 * Metric names an expression reads: identifiers followed by `{`, `[` or `)` or standing alone,
 * minus PromQL's functions, aggregations and keywords, plus those matched by `__name__=~"a|b"`.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/__name__=~"([^"]+)"/g)) for (const n of m[1].split("|")) names.add(n);
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const withoutGrouping = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  for (const m of withoutGrouping.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const word = m[1];
    if (/^sabot_/.test(word)) names.add(word);
  }
  return [...names].sort();
}

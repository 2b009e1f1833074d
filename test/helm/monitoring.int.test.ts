import { readFileSync } from "node:fs";
import type { V1ConfigMap, V1Deployment, V1PodDisruptionBudget, V1Service } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { DASHBOARD_FILE } from "./dashboard.js";
import { CHART, find, helm, type Rendered, setArgs } from "./helm.js";

/** The Prometheus Operator's API, which `--api-versions` tells `helm template` the cluster serves. */
const MONITORING_API = "monitoring.coreos.com/v1";

const ALL_ON = {
  "monitoring.serviceMonitor.enabled": true,
  "monitoring.podMonitor.enabled": true,
  "monitoring.dashboard.enabled": true,
};

/** `helm template` without the CRDs, as a cluster with (or without) the monitoring API would render it. */
async function render(
  values: Record<string, string | number | boolean>,
  apiVersions: string[] = [],
): Promise<Rendered> {
  const text = await helm(
    "template",
    "sabot",
    CHART,
    "--namespace",
    "ops",
    ...apiVersions.flatMap((a) => ["--api-versions", a]),
    ...setArgs(values),
  );
  const objects = yaml
    .loadAll(text)
    .filter((o): o is Rendered["objects"][number] => o !== null && typeof o === "object");
  return { text, objects };
}

const kinds = (r: Rendered) => r.objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort();

interface Monitor {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames?: string[]; any?: boolean };
    endpoints?: { port: string; path: string; interval: string; honorLabels?: boolean }[];
    podMetricsEndpoints?: { port: string; path: string; interval: string }[];
  };
}

describe("helm/sabot: Prometheus Operator monitors, Grafana dashboard, PodDisruptionBudget", () => {
  it("renders no monitors, dashboard or budget by default, even where the monitoring API exists", async () => {
    const r = await render({}, [MONITORING_API]);
    expect(kinds(r).filter((k) => /Monitor|ConfigMap|PodDisruptionBudget/.test(k))).toEqual([]);
  });

  it("renders no monitors when asked but the cluster lacks monitoring.coreos.com/v1; the dashboard needs no CRD", async () => {
    const r = await render(ALL_ON);
    expect(kinds(r).filter((k) => /Monitor/.test(k))).toEqual([]);
    expect(kinds(r)).toContain("ConfigMap/sabot-dashboard");
  });

  it("renders a ServiceMonitor for the operator and a PodMonitor for the job workers when asked and the API exists", async () => {
    const r = await render(
      {
        ...ALL_ON,
        "monitoring.serviceMonitor.labels.release": "kube-prometheus-stack",
        "monitoring.podMonitor.interval": "5s",
      },
      [MONITORING_API],
    );
    expect(kinds(r).filter((k) => /Monitor/.test(k))).toEqual(["PodMonitor/sabot-jobs", "ServiceMonitor/sabot"]);

    const sm = find<Monitor & { kind: string }>(r, "ServiceMonitor");
    expect(sm.metadata.labels.release).toBe("kube-prometheus-stack");
    // It selects exactly the metrics Service, by that Service's labels and port name.
    const svc = find<V1Service>(r, "Service", "sabot-metrics");
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata!.labels![k]).toBe(v);
    expect(svc.spec!.ports!.map((p) => p.name)).toContain(sm.spec.endpoints![0].port);
    expect(sm.spec.namespaceSelector).toEqual({ matchNames: ["ops"] });
    expect(sm.spec.endpoints).toEqual([{ port: "http-metrics", path: "/metrics", interval: "30s", honorLabels: true }]);

    const pm = find<Monitor & { kind: string }>(r, "PodMonitor");
    // The labels and port name the operator gives worker pods (operator/streamjob/job.ts, resources/workers.ts).
    expect(pm.spec.selector.matchLabels).toEqual({
      "app.kubernetes.io/managed-by": "sabot-operator",
      "app.kubernetes.io/component": "worker",
    });
    expect(pm.spec.namespaceSelector).toEqual({ matchNames: ["ops"] });
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "5s" }]);
  });

  it("points the PodMonitor at the watched namespace, or at every namespace with watchAllNamespaces", async () => {
    const team = await render({ "monitoring.podMonitor.enabled": true, watchNamespace: "team-a" }, [MONITORING_API]);
    expect(find<Monitor & { kind: string }>(team, "PodMonitor").spec.namespaceSelector).toEqual({
      matchNames: ["team-a"],
    });
    const all = await render({ "monitoring.podMonitor.enabled": true, watchAllNamespaces: true }, [MONITORING_API]);
    expect(find<Monitor & { kind: string }>(all, "PodMonitor").spec.namespaceSelector).toEqual({ any: true });
  });

  it("renders no ServiceMonitor without the metrics Service it would select", async () => {
    const r = await render({ "monitoring.serviceMonitor.enabled": true, "metrics.service.enabled": false }, [
      MONITORING_API,
    ]);
    expect(kinds(r).filter((k) => /Monitor|Service\//.test(k))).toEqual([]);
  });

  it('ships the dashboard JSON unchanged in a ConfigMap labelled grafana_dashboard: "1"', async () => {
    const r = await render({
      "monitoring.dashboard.enabled": true,
      "monitoring.dashboard.namespace": "grafana",
      "monitoring.dashboard.annotations.grafana_folder": "Sabot",
    });
    const cm = find<V1ConfigMap>(r, "ConfigMap", "sabot-dashboard");
    expect(cm.metadata!.namespace).toBe("grafana");
    expect(cm.metadata!.labels).toMatchObject({ grafana_dashboard: "1" });
    expect(cm.metadata!.annotations).toEqual({ grafana_folder: "Sabot" });
    expect(JSON.parse(cm.data!["sabot.json"]!)).toEqual(JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")));
  });

  it("renders a PodDisruptionBudget of one unavailable replica only with more than one replica", async () => {
    for (const replicaCount of [0, 1])
      expect(kinds(await render({ replicaCount })).filter((k) => k.startsWith("PodDisruptionBudget"))).toEqual([]);
    const r = await render({ replicaCount: 3 });
    const pdb = find<V1PodDisruptionBudget>(r, "PodDisruptionBudget", "sabot");
    expect(pdb.spec!.maxUnavailable).toBe(1);
    expect(pdb.spec!.selector!.matchLabels).toEqual(find<V1Deployment>(r, "Deployment").spec!.selector.matchLabels);
    expect(
      find<V1PodDisruptionBudget>(
        await render({ replicaCount: 3, "podDisruptionBudget.maxUnavailable": "50%" }),
        "PodDisruptionBudget",
      ).spec!.maxUnavailable,
    ).toBe("50%");
    expect(
      kinds(await render({ replicaCount: 3, "podDisruptionBudget.enabled": false })).filter((k) =>
        k.startsWith("PodDisruptionBudget"),
      ),
    ).toEqual([]);
  });

  it("scrapes the operator through one annotation only: on its pod, not on the metrics Service", async () => {
    const r = await render({});
    expect(find<V1Deployment>(r, "Deployment").spec!.template.metadata!.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/metrics",
    });
    expect(find<V1Service>(r, "Service", "sabot-metrics").metadata!.annotations ?? {}).toEqual({});
    const custom = await render({ "metrics.service.annotations.example\\.com/team": "streaming" });
    expect(find<V1Service>(custom, "Service", "sabot-metrics").metadata!.annotations).toEqual({
      "example.com/team": "streaming",
    });
  });

  it.each([
    [{ "monitoring.serviceMonitor.interval": "often" }, "/monitoring/serviceMonitor/interval"],
    [{ "monitoring.podMonitor.scrapeEvery": "5s" }, "additional properties 'scrapeEvery' not allowed"],
    [{ "monitoring.dashboard.enabled": "yes" }, "/monitoring/dashboard/enabled"],
    [{ "podDisruptionBudget.maxUnavailable": "half" }, "/podDisruptionBudget/maxUnavailable"],
  ])("refuses bad monitoring values %j with a message naming them", async (values, message) => {
    await expect(helm("template", "x", CHART, ...setArgs(values))).rejects.toThrow(message);
  });
});

import type { KubernetesObject, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildChildren } from "../../../../operator/streamjob/resources/children.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { streamJob } from "./fixtures.js";

const SCRAPE = ["prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"];
const scrapeKeys = (annotations: Record<string, string> | undefined) =>
  Object.keys(annotations ?? {}).filter((k) => SCRAPE.includes(k));

/**
 * A job is scraped once: through its worker pods' annotations, the same way as the operator's pod
 * (helm/sabot). Annotating a Service as well made an annotation-based Prometheus scrape every pod
 * twice; the chart's PodMonitor selects the same pods by label.
 */
describe("scrape annotations on a job's children", () => {
  const children = buildChildren(streamJob("orders"), operatorSettings());
  const byKind = (kind: string) => children.filter((c: KubernetesObject) => c.kind === kind);

  it("sit on the worker pods only", () => {
    const [sts] = byKind("StatefulSet") as V1StatefulSet[];
    expect(scrapeKeys(sts.spec!.template.metadata!.annotations).sort()).toEqual([...SCRAPE].sort());
    // The coordinator serves no /metrics.
    const [coordinator] = byKind("Deployment") as V1Deployment[];
    expect(scrapeKeys(coordinator.spec!.template.metadata!.annotations)).toEqual([]);
  });

  it("are on no Service and no other child", () => {
    const services = byKind("Service");
    expect(services.length).toBeGreaterThan(0);
    for (const c of children) expect(scrapeKeys(c.metadata?.annotations), `${c.kind}/${c.metadata?.name}`).toEqual([]);
  });
});

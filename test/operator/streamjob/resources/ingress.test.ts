import { describe, expect, it } from "vitest";
import { buildChildren } from "../../../../operator/streamjob/resources/children.js";
import { runtimeSpec } from "../../../../operator/streamjob/resources/configmap.js";
import { buildIngress, webUrl } from "../../../../operator/streamjob/resources/ingress.js";
import { operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { changeOf } from "../../../../operator/streamjob/states/spec.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { streamJob } from "./fixtures.js";

/** spec.ingress: an Ingress to the coordinator's web UI, and status.webUrl. */
describe("web UI ingress", () => {
  it("routes spec.ingress.host to the coordinator Service's ui port, with its class and TLS secret", () => {
    const job = streamJob("orders", {
      ingress: { host: "orders.example.com", className: "nginx", tlsSecret: "orders-tls" },
    });
    const ing = buildIngress(job)!;
    expect(ing.metadata).toMatchObject({
      name: "orders-coordinator",
      namespace: "team-a",
      ownerReferences: [{ kind: "StreamJob", name: "orders" }],
    });
    expect(ing.spec).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["orders.example.com"], secretName: "orders-tls" }],
      rules: [
        {
          host: "orders.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "orders-coordinator", port: { number: 8081 } } },
              },
            ],
          },
        },
      ],
    });
    expect(webUrl(job)).toBe("https://orders.example.com/");
    expect(buildChildren(job, operatorSettings()).map((c) => c.kind)).toContain("Ingress");
  });

  it("has no Ingress without spec.ingress; the URL is then the in-cluster Service", () => {
    const job = streamJob("orders");
    expect(buildIngress(job)).toBeNull();
    expect(buildChildren(job, operatorSettings()).map((c) => c.kind)).not.toContain("Ingress");
    expect(webUrl(job)).toBe("http://orders-coordinator.team-a.svc:8081/");
    expect(webUrl(streamJob("orders", { ingress: { host: "o.example.com" } }))).toBe("http://o.example.com/");
  });

  it("is an operator-only field: changing it re-applies the children without rolling the pods", () => {
    const before = streamJob("orders");
    const after = streamJob("orders", { ingress: { host: "orders.example.com" } });
    expect(runtimeSpec(after.spec)).toEqual(runtimeSpec(before.spec));
    const deployed = { ...after, status: { lastReconciledSpec: JSON.stringify(before.spec) } };
    expect(changeOf(deployed).kind).toBe("settings");
  });

  it("refuses an ingress without a host", () => {
    expect(checkSpecShape(streamJob("orders").spec)).toEqual([]);
    expect(JSON.stringify(checkSpecShape({ ...streamJob("orders").spec, ingress: {} }))).toMatch(/spec\.ingress/);
  });
});

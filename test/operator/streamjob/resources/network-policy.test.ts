import { describe, expect, it } from "vitest";
import { buildChildren } from "../../../../operator/streamjob/resources/children.js";
import {
  buildNetworkPolicy,
  parseNetworkPolicySettings,
} from "../../../../operator/streamjob/resources/network-policy.js";
import { DEFAULT_SETTINGS, operatorSettings } from "../../../../operator/streamjob/resources/settings.js";
import { streamJob } from "./fixtures.js";

/** One NetworkPolicy per job: gRPC ports only from the job and the operator, metrics and UI as configured. */
describe("job network policy", () => {
  const operator = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "sabot-system" } },
    podSelector: { matchLabels: { "app.kubernetes.io/component": "operator" } },
  };
  const prometheus = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } };

  it("admits control and exchange from the job's pods, control from the operator, metrics and UI as configured", () => {
    const policy = buildNetworkPolicy(streamJob("orders"), {
      enabled: true,
      operatorFrom: [operator],
      metricsFrom: [prometheus],
      uiFrom: [],
    })!;
    expect(policy.metadata).toMatchObject({
      name: "orders-pods",
      namespace: "team-a",
      ownerReferences: [{ kind: "StreamJob", name: "orders", controller: true }],
    });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { "sabot.dev/job": "orders" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          ports: [
            { protocol: "TCP", port: 7070 },
            { protocol: "TCP", port: 7071 },
          ],
          _from: [{ podSelector: { matchLabels: { "sabot.dev/job": "orders" } } }],
        },
        { ports: [{ protocol: "TCP", port: 7070 }], _from: [operator] },
        { ports: [{ protocol: "TCP", port: 9090 }], _from: [prometheus] },
        // No `from`: every source may open the UI.
        { ports: [{ protocol: "TCP", port: 8081 }] },
      ],
    });
  });

  it("never opens the exchange port to anyone but the job's pods, whatever the settings", () => {
    const policy = buildNetworkPolicy(streamJob("orders"), {
      enabled: true,
      operatorFrom: [],
      metricsFrom: [],
      uiFrom: [],
    })!;
    const exchangeRules = policy.spec!.ingress!.filter((r) => r.ports?.some((p) => p.port === 7071));
    expect(exchangeRules).toHaveLength(1);
    expect(exchangeRules[0]!._from).toEqual([{ podSelector: { matchLabels: { "sabot.dev/job": "orders" } } }]);
  });

  it("is one of the job's children by default, before its pods, and absent when turned off", () => {
    const kinds = buildChildren(streamJob("orders"), operatorSettings()).map((c) => c.kind);
    expect(kinds).toContain("NetworkPolicy");
    expect(kinds.indexOf("NetworkPolicy")).toBeLessThan(kinds.indexOf("Deployment"));
    const off = operatorSettings({ networkPolicy: { ...DEFAULT_SETTINGS.networkPolicy, enabled: false } });
    expect(buildChildren(streamJob("orders"), off).map((c) => c.kind)).not.toContain("NetworkPolicy");
  });

  it("admits the operator's pods by their chart labels in any namespace when the settings say nothing else", () => {
    const policy = buildNetworkPolicy(streamJob("orders"), DEFAULT_SETTINGS.networkPolicy)!;
    expect(policy.spec!.ingress![1]).toEqual({
      ports: [{ protocol: "TCP", port: 7070 }],
      _from: [
        {
          namespaceSelector: {},
          podSelector: {
            matchLabels: { "app.kubernetes.io/name": "sabot", "app.kubernetes.io/component": "operator" },
          },
        },
      ],
    });
  });
});

describe("SABOT_OPERATOR_NETWORK_POLICY", () => {
  const defaults = DEFAULT_SETTINGS.networkPolicy;

  it("takes the chart's values, keeping the defaults' lists it does not name", () => {
    const s = parseNetworkPolicySettings('{"enabled":true,"uiFrom":[{"podSelector":{}}]}', defaults);
    expect(s).toEqual({ ...defaults, uiFrom: [{ podSelector: {} }] });
    expect(parseNetworkPolicySettings('{"enabled":false}', defaults).enabled).toBe(false);
  });

  it("refuses what is not the chart's shape, naming the key", () => {
    expect(() => parseNetworkPolicySettings("{", defaults)).toThrow(/not JSON/);
    expect(() => parseNetworkPolicySettings("[]", defaults)).toThrow(/JSON object/);
    expect(() => parseNetworkPolicySettings('{"enabled":"yes"}', defaults)).toThrow(/enabled must be true or false/);
    expect(() => parseNetworkPolicySettings('{"metricsFrom":{}}', defaults)).toThrow(/metricsFrom must be a list/);
    expect(() => parseNetworkPolicySettings('{"uiFrom":["x"]}', defaults)).toThrow(/uiFrom must be a list/);
  });
});

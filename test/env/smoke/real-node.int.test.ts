import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";
import { waitFor } from "../lib/wait.js";
import { kubectlPath } from "../services/kube.js";
import { realNodePlacement } from "../services/real-node.js";

const run = promisify(execFile);

/** Pods start in a few seconds on the real node; a cold CI machine gets a margin. */
const POD_TIMEOUT_MS = 90_000;

describe("real node", () => {
  const kc = new KubeConfig();
  let core: CoreV1Api;
  let ns = "";

  beforeAll(async () => {
    kc.loadFromFile(testEnv().kube.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    ns = uniqueName("real-node");
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: ns }), {
      what: `ServiceAccount ${ns}/default`,
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    // Pods first with a short grace period: busybox's sh ignores SIGTERM, and the namespace's own
    // deletion would wait the default 30 s per pod.
    if (ns) {
      await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 }).catch(() => {});
      await core.deleteNamespace({ name: ns }).catch(() => {});
    }
  });

  /** A busybox pod on the real node, from the locally imported image (never pulled). */
  function busyboxPod(
    name: string,
    script: string,
    o: { labels?: Record<string, string>; restart: "Always" | "Never" },
  ): V1Pod {
    const node = testEnv().kube.realNode;
    return {
      metadata: { name, labels: o.labels },
      spec: {
        ...realNodePlacement(node),
        restartPolicy: o.restart,
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "main",
            image: node.images.busybox,
            imagePullPolicy: "Never",
            command: ["/bin/sh", "-c", script],
          },
        ],
      },
    };
  }

  async function podPhase(name: string, phases: string[]): Promise<V1Pod> {
    return waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name, namespace: ns });
        if (p.status?.phase === "Failed" && !phases.includes("Failed")) {
          throw new Error(`pod ${name} failed: ${JSON.stringify(p.status.containerStatuses)}`);
        }
        return phases.includes(p.status?.phase ?? "") ? p : undefined;
      },
      { what: `pod ${ns}/${name} to be ${phases.join(" or ")}`, timeoutMs: POD_TIMEOUT_MS, intervalMs: 500 },
    );
  }

  async function kubectlLogs(pod: string): Promise<string> {
    const { stdout } = await run(kubectlPath(), ["--kubeconfig", testEnv().kube.kubeconfig, "-n", ns, "logs", pod], {
      timeout: 30_000,
    });
    return stdout;
  }

  it("is Ready, tainted, and runs a pod from a local image that another pod reaches through a ClusterIP Service by DNS name; kubectl logs and exec work; pods have no default route", async () => {
    const node = testEnv().kube.realNode;
    const n = await core.readNode({ name: node.name });
    expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(n.spec?.taints).toContainEqual(expect.objectContaining({ key: node.taint.key, effect: node.taint.effect }));
    expect(n.status?.addresses).toContainEqual({ type: "InternalIP", address: node.ip });

    await core.createNamespacedPod({
      namespace: ns,
      body: busyboxPod("echo", "echo serving; exec nc -ll -p 8080 -e /bin/echo pong", {
        labels: { app: "echo" },
        restart: "Always",
      }),
    });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: "echo" },
        spec: { selector: { app: "echo" }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const server = await podPhase("echo", ["Running"]);
    expect(server.spec?.nodeName).toBe(node.name);
    expect(server.status?.podIP?.startsWith(`${node.podCidr.split(".").slice(0, 3).join(".")}.`)).toBe(true);

    // Retries until kube-proxy has programmed the Service and CoreDNS has seen it.
    const svc = `echo.${ns}.svc.${node.clusterDomain}`;
    const client = [
      // The pod's routes: the pod range, the node bridge and the Service range, and no default
      // route, so nothing it sends can leave the machine.
      `ip route | sed 's/^/route: /'`,
      `nslookup kubernetes.default.svc.${node.clusterDomain} | grep -q 10.96.0.1 && echo "api service resolves"`,
      `for i in $(seq 1 40); do out=$(nc -w 2 ${svc} 80 </dev/null) && [ -n "$out" ] && echo "got: $out" && exit 0; sleep 1; done`,
      "echo 'no answer from the Service'; exit 1",
    ].join("; ");
    await core.createNamespacedPod({ namespace: ns, body: busyboxPod("client", client, { restart: "Never" }) });
    const done = await podPhase("client", ["Succeeded", "Failed"]);
    const clientLogs = await kubectlLogs("client");
    expect(done.status?.phase, clientLogs).toBe("Succeeded");
    expect(clientLogs).toContain("api service resolves");
    expect(clientLogs).toContain("got: pong");
    const routes = clientLogs.split("\n").filter((l) => l.startsWith("route: "));
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((r) => r.includes("default"))).toEqual([]);
    expect(await kubectlLogs("echo")).toContain("serving");
    // exec streams through the API server to the kubelet, like logs, but both ways.
    const { stdout } = await run(
      kubectlPath(),
      ["--kubeconfig", testEnv().kube.kubeconfig, "-n", ns, "exec", "echo", "--", "cat", "/etc/resolv.conf"],
      { timeout: 30_000 },
    );
    expect(stdout).toContain(`nameserver ${node.ip}`);
  });

  it("keeps untolerating pods off the real node", async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "plain" },
        spec: { containers: [{ name: "main", image: "registry.k8s.io/pause:3.10" }] },
      },
    });
    const placed = await waitFor(
      async () => (await core.readNamespacedPod({ name: "plain", namespace: ns })).spec?.nodeName,
      { what: "the scheduler to place a pod without the toleration", timeoutMs: POD_TIMEOUT_MS },
    );
    expect(placed).not.toBe(testEnv().kube.realNode.name);
  });
});

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  PolicyV1Api,
  type V1ClusterRole,
  type V1Deployment,
  type V1EnvVar,
  type V1Role,
  type V1RoleBinding,
  type V1Service,
} from "@kubernetes/client-node";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../runtime/contract/spec/manifest.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { freePort } from "../env/lib/ports.js";
import { waitFor } from "../env/lib/wait.js";
import { kubectlPath } from "../env/services/kube.js";
import { GPU_NODE_LABEL } from "../env/services/kube-nodes.js";
import { testEnv } from "../helpers/env.js";
import { uniqueName } from "../helpers/names.js";
import { writeServiceAccountKubeconfig } from "../helpers/token-kubeconfig.js";
import { freshNamespace, kubeConfig } from "../operator/kube/kube.js";
import { jobSpec } from "../operator/streamjob/resources/fixtures.js";
import { CHART, find, helm, type Rendered, renderChart, setArgs } from "./helm.js";

/**
 * Every permission the operator needs where its jobs live, as [apiGroup, resource, verbs]: the
 * chart's Role (or ClusterRole) must grant exactly these. Where each is used: the informers
 * (get/list/watch), server-side apply of children and the UI's Ingress (create+patch), status
 * writes, finalizers, Events (created, and their count raised), Checkpoints created and pruned, the autoscaler's scale patches, and the object-storage
 * Secret of a Checkpoint disposal.
 */
const JOB_RULES: [string, string, string[]][] = [
  [API_GROUP, "streamjobs", ["get", "list", "watch", "update", "patch"]],
  [API_GROUP, "checkpoints", ["get", "list", "watch", "create", "update", "patch", "delete"]],
  [API_GROUP, "streamjobs/status", ["get", "update", "patch"]],
  [API_GROUP, "checkpoints/status", ["get", "update", "patch"]],
  [API_GROUP, "streamjobs/scale", ["patch"]],
  [API_GROUP, "streamjobs/finalizers", ["update"]],
  [API_GROUP, "checkpoints/finalizers", ["update"]],
  ["", "configmaps", ["create", "patch"]],
  ["", "services", ["create", "patch"]],
  ["apps", "deployments", ["get", "list", "watch", "create", "patch"]],
  ["apps", "statefulsets", ["get", "list", "watch", "create", "patch"]],
  ["networking.k8s.io", "ingresses", ["create", "patch"]],
  ["networking.k8s.io", "networkpolicies", ["create", "patch"]],
  ["", "pods", ["get", "list", "watch"]],
  ["", "events", ["create", "patch"]],
  ["", "secrets", ["get", "create", "patch"]],
];

/** What the operator must not be able to do anywhere: a compromised operator is contained. */
const FORBIDDEN: [string, string, string][] = [
  ["", "secrets", "list"],
  ["", "secrets", "watch"],
  ["", "secrets", "delete"],
  ["", "secrets", "update"],
  ["", "pods", "create"],
  ["", "pods", "delete"],
  ["", "pods/exec", "create"],
  ["", "configmaps", "delete"],
  ["", "configmaps", "get"],
  ["", "serviceaccounts/token", "create"],
  ["apps", "deployments", "delete"],
  ["apps", "statefulsets", "delete"],
  [API_GROUP, "streamjobs", "create"],
  [API_GROUP, "streamjobs", "delete"],
  ["rbac.authorization.k8s.io", "roles", "create"],
  ["rbac.authorization.k8s.io", "rolebindings", "create"],
  ["coordination.k8s.io", "leases", "delete"],
];

/** Rules flattened to `group/resource:verb`, to compare a rendered Role with the table exactly. */
function flatten(
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[],
): string[] {
  return rules
    .flatMap((r) =>
      (r.apiGroups ?? []).flatMap((g) =>
        (r.resources ?? []).flatMap((res) =>
          r.verbs.map((v) => `${g}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(",")}` : ""}`),
        ),
      ),
    )
    .sort();
}
const EXPECTED_JOB_RULES = JOB_RULES.flatMap(([g, res, verbs]) => verbs.map((v) => `${g}/${res}:${v}`)).sort();

function env(d: V1Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of d.spec!.template.spec!.containers[0].env ?? [])
    out[e.name] = e.value ?? `<${e.valueFrom?.fieldRef?.fieldPath}>`;
  return out;
}

describe("helm/sabot: lint and template", () => {
  it("passes `helm lint --strict`", async () => {
    expect(await helm("lint", CHART, "--strict")).toContain("0 chart(s) failed");
  });

  it.each([
    [{ replicaCount: "two" }, "/replicaCount': got string, want integer"],
    [{ "jobs.imagePullPolicy": "Sometimes" }, "value must be one of 'Always', 'IfNotPresent', 'Never'"],
    [{ "job.image": "x" }, "additional properties 'job' not allowed"],
    [{ logLevel: "verbose" }, "/logLevel"],
    [{ "jobs.checkpointStorage.url": "minio:9000/checkpoints" }, "/jobs/checkpointStorage/url"],
  ])("refuses bad values %j with a message naming them", async (values, message) => {
    await expect(helm("template", "x", CHART, ...setArgs(values))).rejects.toThrow(message);
  });

  it("renders by default: CRDs, ServiceAccount, a namespaced Role, the Lease Role, metrics Service, one operator replica", async () => {
    const r = await renderChart("sabot", "sabot-system");
    expect(r.objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      "CustomResourceDefinition/checkpoints.sabot.dev",
      "CustomResourceDefinition/streamjobs.sabot.dev",
      "Deployment/sabot",
      "Role/sabot",
      "Role/sabot-leader-election",
      "RoleBinding/sabot",
      "RoleBinding/sabot-leader-election",
      "Service/sabot-metrics",
      "ServiceAccount/sabot",
    ]);
    // What helm renders for the CRDs is the generated files (below their header comment).
    for (const file of ["streamjob.yaml", "checkpoint.yaml"])
      expect(r.text).toContain(readFileSync(`crds/${file}`, "utf8").split("\n").slice(1).join("\n").trim());
    for (const o of r.objects.filter((o) => o.kind !== "CustomResourceDefinition"))
      expect(o.metadata?.namespace).toBe("sabot-system");

    expect(flatten(find<V1Role>(r, "Role", "sabot").rules!)).toEqual(EXPECTED_JOB_RULES);
    expect(flatten(find<V1Role>(r, "Role", "sabot-leader-election").rules!)).toEqual([
      "coordination.k8s.io/leases:create",
      "coordination.k8s.io/leases:get@sabot-operator-leader",
      "coordination.k8s.io/leases:update@sabot-operator-leader",
    ]);
    expect(find<V1RoleBinding>(r, "RoleBinding", "sabot").subjects).toEqual([
      { kind: "ServiceAccount", name: "sabot", namespace: "sabot-system" },
    ]);

    const d = find<V1Deployment>(r, "Deployment");
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0];
    expect(d.spec!.replicas).toBe(1);
    expect(pod.serviceAccountName).toBe("sabot");
    expect(c.image).toBe("ghcr.io/sabot-dev/sabot:0.1.0");
    expect(c.args).toEqual(["operator"]);
    expect(c.ports).toEqual([{ name: "http-metrics", containerPort: 8080, protocol: "TCP" }]);
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
      expect(probe?.httpGet).toEqual({ path: "/healthz", port: "http-metrics" });
    expect(d.spec!.template.metadata!.annotations).toMatchObject({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/metrics",
    });
    // One scrape: the pod is annotated, the metrics Service is not (both would scrape every sample twice).
    expect(find<V1Service>(r, "Service", "sabot-metrics").metadata!.annotations).toBeUndefined();
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(env(d)).toEqual({
      POD_NAME: "<metadata.name>",
      POD_NAMESPACE: "<metadata.namespace>",
      SABOT_OPERATOR_BIND: "0.0.0.0",
      SABOT_OPERATOR_PORT: "8080",
      SABOT_OPERATOR_WATCH_NAMESPACE: "sabot-system",
      SABOT_OPERATOR_WORKERS: "2",
      SABOT_OPERATOR_LEASE_NAMESPACE: "sabot-system",
      SABOT_OPERATOR_LEASE_NAME: "sabot-operator-leader",
      SABOT_LOG_LEVEL: "info",
      SABOT_OPERATOR_IMAGE: "ghcr.io/sabot-dev/sabot:0.1.0",
      SABOT_OPERATOR_IMAGE_PULL_POLICY: "IfNotPresent",
      SABOT_OPERATOR_KEEP_CPU_JOBS_OFF_GPU_NODES: "false",
      SABOT_OPERATOR_GPU_NODE_LABEL: "nvidia.com/gpu.present",
      SABOT_OPERATOR_SHUTDOWN_TIMEOUT_SECONDS: "25",
      SABOT_OPERATOR_PRESTOP_SLEEP_SECONDS: "3",
      SABOT_OPERATOR_COORDINATOR_CPU: "250m",
      SABOT_OPERATOR_COORDINATOR_MEMORY: "512Mi",
      SABOT_OPERATOR_JOB_LOG_LEVEL: "info",
      SABOT_OPERATOR_NETWORK_POLICY: expect.any(String),
      // The chart's nodeOptions: a heap limit under the container's memory limit (docs/operator.md).
      NODE_OPTIONS: "--max-old-space-size=256 --max-semi-space-size=4",
    });
    // The jobs' control ports admit this release's operator pods: its namespace and its selector labels.
    expect(JSON.parse(env(d).SABOT_OPERATOR_NETWORK_POLICY!)).toEqual({
      enabled: true,
      operatorFrom: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "sabot-system" } },
          podSelector: {
            matchLabels: {
              "app.kubernetes.io/name": "sabot",
              "app.kubernetes.io/instance": "sabot",
              "app.kubernetes.io/component": "operator",
            },
          },
        },
      ],
      metricsFrom: [],
      uiFrom: [],
    });
  });

  it("documents in operator/main.ts every variable the chart sets", async () => {
    const r = await renderChart("sabot", "ops", {
      "autoscaler.prometheusUrl": "http://prometheus.monitoring:9090",
      "jobs.checkpointStorage.url": "s3://checkpoints/sabot",
      "jobs.checkpointStorage.secret": "s3-credentials",
    });
    const header = readFileSync("operator/main.ts", "utf8").split("*/")[0];
    const names = Object.keys(env(find<V1Deployment>(r, "Deployment")));
    expect(names).toEqual(
      expect.arrayContaining([
        "SABOT_OPERATOR_PROMETHEUS_URL",
        "SABOT_OPERATOR_CHECKPOINT_STORAGE",
        "SABOT_OPERATOR_CHECKPOINT_STORAGE_SECRET",
      ]),
    );
    expect(names.filter((n) => !header.includes(n))).toEqual([]);
  });

  it("puts the Role in watchNamespace when it names another namespace; the Lease stays with the operator", async () => {
    const r = await renderChart("sabot", "ops", { watchNamespace: "team-a" });
    expect(find<V1Role>(r, "Role", "sabot").metadata!.namespace).toBe("team-a");
    expect(find<V1RoleBinding>(r, "RoleBinding", "sabot").metadata!.namespace).toBe("team-a");
    expect(find<V1RoleBinding>(r, "RoleBinding", "sabot").subjects![0]).toMatchObject({
      name: "sabot",
      namespace: "ops",
    });
    expect(find<V1Role>(r, "Role", "sabot-leader-election").metadata!.namespace).toBe("ops");
    expect(env(find<V1Deployment>(r, "Deployment"))).toMatchObject({
      SABOT_OPERATOR_WATCH_NAMESPACE: "team-a",
      SABOT_OPERATOR_LEASE_NAMESPACE: "ops",
    });
  });

  it("puts a Role and RoleBinding with the same rules in each of watchNamespaces, and nothing cluster-wide", async () => {
    const r = await renderChart("sabot", "ops", {
      "watchNamespaces[0]": "team-a",
      "watchNamespaces[1]": "team-b",
      watchNamespace: "ignored",
    });
    for (const kind of ["Role", "RoleBinding"]) {
      const own = r.objects.filter((o) => o.kind === kind && o.metadata?.name === "sabot");
      expect(own.map((o) => o.metadata?.namespace)).toEqual(["team-a", "team-b"]);
    }
    for (const role of r.objects.filter((o): o is V1Role => o.kind === "Role" && o.metadata?.name === "sabot"))
      expect(flatten(role.rules!)).toEqual(EXPECTED_JOB_RULES);
    expect(r.objects.filter((o) => o.kind?.startsWith("Cluster"))).toEqual([]);
    expect(find<V1Role>(r, "Role", "sabot-leader-election").metadata!.namespace).toBe("ops");
    const e = env(find<V1Deployment>(r, "Deployment"));
    expect(e.SABOT_OPERATOR_WATCH_NAMESPACES).toBe("team-a,team-b");
    expect(e.SABOT_OPERATOR_WATCH_NAMESPACE).toBeUndefined();
    await expect(helm("template", "x", CHART, ...setArgs({ "watchNamespaces[0]": "Team_A" }))).rejects.toThrow(
      "/watchNamespaces/0",
    );
  });

  it("grants cert-manager Certificates (get, create, patch) only with certManager.enabled", async () => {
    const on = await renderChart("sabot", "ops", { "watchNamespaces[0]": "team-a", "certManager.enabled": true });
    const rules = flatten(find<V1Role>(on, "Role", "sabot").rules!);
    expect(rules).toEqual(
      [...EXPECTED_JOB_RULES, ...["get", "create", "patch"].map((v) => `cert-manager.io/certificates:${v}`)].sort(),
    );
    const off = await renderChart("sabot", "ops", { "watchNamespaces[0]": "team-a" });
    expect(flatten(find<V1Role>(off, "Role", "sabot").rules!)).toEqual(EXPECTED_JOB_RULES);
  });

  it("watches every namespace with a ClusterRole of the same rules when watchAllNamespaces is set", async () => {
    const r = await renderChart("sabot", "ops", { watchAllNamespaces: true, replicaCount: 2 });
    expect(r.objects.some((o) => o.kind === "Role" && o.metadata?.name === "sabot")).toBe(false);
    expect(flatten(find<V1ClusterRole>(r, "ClusterRole", "sabot").rules!)).toEqual(EXPECTED_JOB_RULES);
    find(r, "ClusterRoleBinding", "sabot");
    const d = find<V1Deployment>(r, "Deployment");
    expect(d.spec!.replicas).toBe(2);
    expect(env(d).SABOT_OPERATOR_WATCH_NAMESPACE).toBeUndefined();
  });

  it("passes the job-pod settings and the Prometheus URL through", async () => {
    const r = await renderChart("sabot", "ops", {
      "image.tag": "1.2.3",
      "jobs.image": "registry.example/sabot-runtime:1.2.3-cuda",
      "jobs.imagePullPolicy": "Always",
      "jobs.keepCpuJobsOffGpuNodes": true,
      "jobs.gpuNodeLabel": "example.com/accelerator=h100",
      "jobs.shutdownTimeoutSeconds": 40,
      "jobs.preStopSleepSeconds": 5,
      "jobs.coordinatorResources.cpu": "500m",
      "jobs.coordinatorResources.memory": "1Gi",
      "jobs.logLevel": "debug",
      "autoscaler.prometheusUrl": "http://prometheus.monitoring:9090",
    });
    const d = find<V1Deployment>(r, "Deployment");
    expect(d.spec!.template.spec!.containers[0].image).toBe("ghcr.io/sabot-dev/sabot:1.2.3");
    expect(env(d)).toMatchObject({
      SABOT_OPERATOR_IMAGE: "registry.example/sabot-runtime:1.2.3-cuda",
      SABOT_OPERATOR_IMAGE_PULL_POLICY: "Always",
      SABOT_OPERATOR_KEEP_CPU_JOBS_OFF_GPU_NODES: "true",
      SABOT_OPERATOR_GPU_NODE_LABEL: "example.com/accelerator=h100",
      SABOT_OPERATOR_SHUTDOWN_TIMEOUT_SECONDS: "40",
      SABOT_OPERATOR_PRESTOP_SLEEP_SECONDS: "5",
      SABOT_OPERATOR_COORDINATOR_CPU: "500m",
      SABOT_OPERATOR_COORDINATOR_MEMORY: "1Gi",
      SABOT_OPERATOR_JOB_LOG_LEVEL: "debug",
      SABOT_OPERATOR_PROMETHEUS_URL: "http://prometheus.monitoring:9090",
    });
  });
});

/**
 * The rendered chart applied to the real API server (server-side apply, as `helm install` does it
 * in effect); then its RBAC checked verb by verb, and finally the real operator process run with
 * nothing but the chart's ServiceAccount token and the chart's env, reconciling a job to Running.
 */
describe("helm/sabot on a real API server", () => {
  const kc = kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const tmp = mkdtempSync(join(tmpdir(), "sabot-helm-"));
  let ns = "";
  let rendered: Rendered;

  async function kubectl(args: string[], input?: string): Promise<string> {
    const file = join(tmp, `${uniqueName("in")}.yaml`);
    if (input !== undefined) writeFileSync(file, input);
    try {
      const { stdout } = await promisify(execFile)(kubectlPath(), [
        "--kubeconfig",
        testEnv().kube.kubeconfig,
        ...args,
        ...(input !== undefined ? ["-f", file] : []),
      ]);
      return stdout;
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  }

  /** Server-side apply of a rendered chart, CRDs included. */
  async function apply(r: Rendered): Promise<void> {
    await kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=helm-test"], r.text);
  }

  async function can(
    sa: string,
    namespace: string,
    group: string,
    resourcePath: string,
    verb: string,
    name?: string,
  ): Promise<boolean> {
    const [resource, subresource] = resourcePath.split("/");
    const res = await authz.createSubjectAccessReview({
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: `system:serviceaccount:${ns}:${sa}`,
          groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
          resourceAttributes: { namespace, group, resource, subresource, verb, name },
        },
      },
    });
    return res.status?.allowed === true;
  }

  beforeAll(async () => {
    ns = await freshNamespace(kc, "helm");
    rendered = await renderChart("sabot", ns, {
      // Matches a label of the test cluster's GPU node, so the job-pod settings are visible in the pods.
      "jobs.keepCpuJobsOffGpuNodes": true,
      "jobs.gpuNodeLabel": GPU_NODE_LABEL.key,
      "jobs.imagePullPolicy": "Never",
      "jobs.preStopSleepSeconds": 1,
      "jobs.shutdownTimeoutSeconds": 9,
      "jobs.coordinatorResources.cpu": "300m",
      "jobs.checkpointStorage.url": "s3://chart-checkpoints/jobs/",
      "jobs.checkpointStorage.secret": "chart-s3",
    });
    await apply(rendered);
  });

  afterAll(async () => {
    if (ns) await core.deleteNamespace({ name: ns });
    rmSync(tmp, { recursive: true, force: true });
  });

  it("installs: the operator Deployment passes admission and becomes available (kwok runs its pod)", async () => {
    await waitFor(
      async () =>
        ((await apps.readNamespacedDeployment({ name: "sabot", namespace: ns })).status?.availableReplicas ?? 0) === 1,
      { what: "Deployment sabot to be available", timeoutMs: 60_000, intervalMs: 250 },
    );
    const out = await kubectl([
      "get",
      "crd",
      "streamjobs.sabot.dev",
      "-o",
      "jsonpath={.status.conditions[?(@.type=='Established')].status}",
    ]);
    expect(out).toBe("True");
  });

  it("grants the ServiceAccount every verb the operator uses, in its namespace only", async () => {
    const checks = JOB_RULES.flatMap(([g, res, verbs]) => verbs.map((v) => [g, res, v] as const));
    const results = await Promise.all(checks.map(([g, res, v]) => can("sabot", ns, g, res, v)));
    expect(checks.filter((_, i) => !results[i]).map(([g, res, v]) => `${v} ${g}/${res}`)).toEqual([]);
    expect(await can("sabot", ns, "coordination.k8s.io", "leases", "create")).toBe(true);
    expect(await can("sabot", ns, "coordination.k8s.io", "leases", "update", "sabot-operator-leader")).toBe(true);
    // The namespaced default reaches no other namespace.
    expect(await can("sabot", "default", API_GROUP, "streamjobs", "list")).toBe(false);
    expect(await can("sabot", "", API_GROUP, "streamjobs", "list")).toBe(false);
  });

  it("denies the ServiceAccount what the operator never does", async () => {
    const results = await Promise.all(FORBIDDEN.map(([g, res, v]) => can("sabot", ns, g, res, v)));
    expect(FORBIDDEN.filter((_, i) => results[i]).map(([g, res, v]) => `${v} ${g}/${res}`)).toEqual([]);
    expect(await can("sabot", "", "", "nodes", "get")).toBe(false);
    expect(await can("sabot", "", "", "nodes", "patch")).toBe(false);
    expect(await can("sabot", "", "", "namespaces", "list")).toBe(false);
    expect(await can("sabot", ns, "coordination.k8s.io", "leases", "update", "someone-elses-lease")).toBe(false);
    // `kubectl auth can-i`, as a user would check it.
    const asSa = `--as=system:serviceaccount:${ns}:sabot`;
    await expect(kubectl(["auth", "can-i", "delete", "secrets", "-n", ns, asSa])).rejects.toThrow(/failed: no\b/);
    expect((await kubectl(["auth", "can-i", "patch", "statefulsets.apps", "-n", ns, asSa])).trim()).toBe("yes");
  });

  it("grants the same rules cluster-wide, and still no nodes or secret listing, with watchAllNamespaces", async () => {
    const release = uniqueName("sabot-all").slice(0, 40);
    const r = await renderChart(release, ns, {
      watchAllNamespaces: true,
      "serviceAccount.name": "sabot-all",
      "leaderElection.leaseName": "all-leader",
    });
    await apply(r);
    try {
      const other = "default";
      await waitFor(async () => (await can("sabot-all", other, API_GROUP, "streamjobs", "watch")) || undefined, {
        what: "the ClusterRoleBinding to take effect",
        timeoutMs: 10_000,
      });
      expect(await can("sabot-all", "", API_GROUP, "streamjobs", "list")).toBe(true);
      expect(await can("sabot-all", other, "apps", "statefulsets", "patch")).toBe(true);
      expect(await can("sabot-all", other, "", "secrets", "list")).toBe(false);
      expect(await can("sabot-all", "", "", "nodes", "get")).toBe(false);
      // Leader election stays in the release namespace.
      expect(await can("sabot-all", other, "coordination.k8s.io", "leases", "create")).toBe(false);
    } finally {
      await kubectl(["delete", "clusterrole,clusterrolebinding", release, "--ignore-not-found"]);
    }
  });

  it("installs and uninstalls with `helm install` itself (a second release, in its own namespace)", async () => {
    const other = await freshNamespace(kc, "helm-install");
    const kubeconfig = ["--kubeconfig", testEnv().kube.kubeconfig, "--namespace", other];
    try {
      await helm("install", "sabot", CHART, ...kubeconfig, "--set", "replicaCount=2", "--wait", "--timeout", "90s");
      const d = await apps.readNamespacedDeployment({ name: "sabot", namespace: other });
      expect(d.status?.availableReplicas).toBe(2);
      // Two replicas: the chart's PodDisruptionBudget lets evictions take one at a time.
      const pdb = await kc
        .makeApiClient(PolicyV1Api)
        .readNamespacedPodDisruptionBudget({ name: "sabot", namespace: other });
      expect(pdb.spec?.maxUnavailable).toBe(1);
      expect(await helm("status", "sabot", ...kubeconfig)).toContain("STATUS: deployed");
      await helm("uninstall", "sabot", ...kubeconfig, "--wait");
      const left = await apps.listNamespacedDeployment({ namespace: other });
      expect(left.items).toEqual([]);
    } finally {
      await core.deleteNamespace({ name: other });
    }
  });

  /**
   * The operator as the chart runs it: `bin/sabot.js` with the rendered container's args and env
   * (the downward API filled in as the kubelet would) and nothing but a TokenRequest token of the
   * chart's ServiceAccount `sa`, in a kubeconfig of its own.
   */
  async function startChartOperator(r: Rendered, sa: string): Promise<{ proc: ChildProcess; port: number }> {
    const kubeconfig = join(tmp, `${sa}.kubeconfig`);
    await writeServiceAccountKubeconfig(kc, sa, ns, kubeconfig);
    const container = find<V1Deployment>(r, "Deployment").spec!.template.spec!.containers[0];
    const fromChart = Object.fromEntries(
      (container.env ?? []).map((e: V1EnvVar) => [
        e.name,
        e.value ?? (e.valueFrom?.fieldRef?.fieldPath === "metadata.namespace" ? ns : "sabot-0123456789-abcde"),
      ]),
    );
    const port = await freePort();
    const { KUBECONFIG: _admin, ...parentEnv } = process.env;
    // bin/sabot.js is the image's entrypoint run from source; the chart's args pick `operator`.
    const proc = spawn(process.execPath, ["bin/sabot.js", ...container.args!], {
      env: {
        ...parentEnv,
        ...fromChart,
        KUBECONFIG: kubeconfig,
        SABOT_OPERATOR_BIND: "127.0.0.1",
        SABOT_OPERATOR_PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { proc, port };
  }

  describe("the real operator with only the chart's ServiceAccount and env", () => {
    let proc: ChildProcess | undefined;
    let output = "";
    let port = 0;
    const ref = () => ({ group: API_GROUP, version: "v1alpha1", namespace: ns, plural: "streamjobs" });

    beforeAll(async () => {
      const started = await startChartOperator(rendered, "sabot");
      proc = started.proc;
      port = started.port;
      proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    });

    afterAll(() => {
      if (proc && proc.exitCode === null) proc.kill("SIGKILL");
    });

    it("reconciles a StreamJob to Running with the chart's job settings, records Events, and releases its Lease", async () => {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, {
        what: `the operator's /healthz (output so far: ${output.slice(-800)})`,
        timeoutMs: 30_000,
        intervalMs: 250,
      });
      await custom.createNamespacedCustomObject({
        ...ref(),
        body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "rbac-job" }, spec: jobSpec() },
      });
      const refused = /forbidden|"code":403|statusCode":403/i;
      await waitFor(
        async () => {
          // A refused request is retried forever; fail at once, with the operator's words.
          if (refused.test(output)) throw new Error(`the operator was refused a request:\n${output.slice(-3000)}`);
          return (
            ((await custom.getNamespacedCustomObject({ ...ref(), name: "rbac-job" })) as { status?: StreamJobStatus })
              .status?.phase === "Running"
          );
        },
        { what: "rbac-job to be Running", timeoutMs: 60_000, intervalMs: 250 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\noperator output:\n${output.slice(-3000)}`);
      });
      expect(await kubectl(["get", "streamjobs", "-n", ns])).toMatch(/rbac-job\s+Running/);

      // The chart's jobs.* values reached the pods the operator built.
      const owned = { namespace: ns, labelSelector: "app.kubernetes.io/managed-by=sabot-operator" };
      const sts = (await apps.listNamespacedStatefulSet(owned)).items;
      expect(sts).toHaveLength(1);
      const wpod = sts[0].spec!.template.spec!;
      expect(wpod.containers[0].imagePullPolicy).toBe("Never");
      expect(wpod.terminationGracePeriodSeconds).toBe(1 + 9 + 5);
      expect(
        wpod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
          .matchExpressions,
      ).toEqual([{ key: GPU_NODE_LABEL.key, operator: "DoesNotExist" }]);
      const coord = (await apps.listNamespacedDeployment(owned)).items;
      expect(coord).toHaveLength(1);
      expect(coord[0].spec!.template.spec!.containers[0].resources?.requests?.cpu).toBe("300m");
      // The job names no storage: it runs with the chart's default, in a folder of its namespace,
      // and with the default's Secret.
      const resolved = yaml.load(
        (await core.readNamespacedConfigMap({ name: "rbac-job-spec", namespace: ns })).data!["job.yaml"]!,
      ) as {
        spec: { checkpointing?: { storage?: string }; storageSecret?: string };
      };
      expect(resolved.spec.checkpointing?.storage).toBe(`s3://chart-checkpoints/jobs/${ns}`);
      expect(resolved.spec.storageSecret).toBe("chart-s3");
      for (const pod of [wpod, coord[0].spec!.template.spec!])
        expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: "chart-s3" } }]);

      const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: "involvedObject.name=rbac-job" });
      expect(events.items.map((e) => e.reason)).toContain("Running");
      // Nothing the operator tried was refused.
      expect(output).not.toMatch(refused);

      proc!.kill("SIGTERM");
      const [code] = (await once(proc!, "exit")) as [number | null];
      expect(code).toBe(0);
      const lease = (await custom.getNamespacedCustomObject({
        group: "coordination.k8s.io",
        version: "v1",
        namespace: ns,
        plural: "leases",
        name: "sabot-operator-leader",
      })) as KubernetesObject & { spec: { holderIdentity?: string } };
      expect(lease.spec.holderIdentity ?? "").toBe("");
    });
  });

  it("with watchNamespaces, the operator holds rights in those namespaces only and reconciles jobs there, nowhere else", async () => {
    const [a, b, c] = await Promise.all(["helm-wa", "helm-wb", "helm-wc"].map((p) => freshNamespace(kc, p)));
    let proc: ChildProcess | undefined;
    let output = "";
    try {
      const r = await renderChart("sabot-multi", ns, {
        "watchNamespaces[0]": a,
        "watchNamespaces[1]": b,
        "serviceAccount.name": "sabot-multi",
        "leaderElection.leaseName": "multi-leader",
        "jobs.imagePullPolicy": "Never",
      });
      await apply(r);
      await waitFor(async () => (await can("sabot-multi", b, API_GROUP, "streamjobs", "watch")) || undefined, {
        what: "the RoleBindings to take effect",
        timeoutMs: 10_000,
      });
      for (const n of [a, b]) expect(await can("sabot-multi", n, "apps", "statefulsets", "patch")).toBe(true);
      expect(await can("sabot-multi", c, API_GROUP, "streamjobs", "list")).toBe(false);
      expect(await can("sabot-multi", "", API_GROUP, "streamjobs", "list")).toBe(false);
      expect(await can("sabot-multi", a, "", "secrets", "list")).toBe(false);

      const started = await startChartOperator(r, "sabot-multi");
      proc = started.proc;
      proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
      proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
      const jobRef = (namespace: string) => ({
        group: API_GROUP,
        version: "v1alpha1",
        namespace,
        plural: "streamjobs",
      });
      for (const n of [a, b, c])
        await custom.createNamespacedCustomObject({
          ...jobRef(n),
          body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name: "multi-job" }, spec: jobSpec() },
        });
      const phase = async (n: string) =>
        ((await custom.getNamespacedCustomObject({ ...jobRef(n), name: "multi-job" })) as { status?: StreamJobStatus })
          .status?.phase;
      const refused = /forbidden|"code":403|statusCode":403/i;
      await waitFor(
        async () => {
          if (refused.test(output)) throw new Error(`the operator was refused a request:\n${output.slice(-3000)}`);
          return (await phase(a)) === "Running" && (await phase(b)) === "Running";
        },
        { what: "multi-job to be Running in both watched namespaces", timeoutMs: 60_000, intervalMs: 250 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\noperator output:\n${output.slice(-3000)}`);
      });
      // The unwatched namespace's job was never touched: no status, no children.
      expect(await phase(c)).toBeUndefined();
      expect((await apps.listNamespacedStatefulSet({ namespace: c })).items).toEqual([]);
      expect(output).not.toMatch(refused);
    } finally {
      if (proc && proc.exitCode === null) proc.kill("SIGKILL");
      await Promise.all([a, b, c].map((n) => core.deleteNamespace({ name: n })));
    }
  });
});

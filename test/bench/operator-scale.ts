/**
 * `npm run bench:operator`: N StreamJobs (default 500, SABOT_BENCH_JOBS) created at once in one
 * namespace, reconciled by one real operator process (operator/main.ts) against a fresh real
 * kube-apiserver, controller manager, scheduler and kwok, started here and stopped at the end.
 *
 * It prints the time until every job is Deploying (its first reconcile wrote that status, then
 * applies its children) and until every job is Running, the reconcile latency and queue depth from
 * the operator's own /metrics, the operator's resident memory, and the API requests it sent, in
 * all and per job (status writes, Events, child applies).
 * kwok marks pods Running as soon as they are scheduled, so this measures the operator and the
 * control plane, not real pods. It stops by itself (SABOT_BENCH_TIMEOUT_S, default 600).
 * SABOT_BENCH_WORKERS sets the operator's reconcile workers (SABOT_OPERATOR_WORKERS).
 * The operator authenticates as the chart's ServiceAccount, with the chart's RBAC
 * (chart-identity.ts); SABOT_BENCH_OPERATOR_AUTH=admin gives it the test environment's admin
 * client certificate instead, as runs before 2026-12-07 did.
 * SABOT_BENCH_OPERATOR_ALONE=1: the controller manager runs without its Deployment, ReplicaSet and
 * StatefulSet controllers, so no pod is made and the operator's own work has the machine: the run
 * ends once every job is Deploying.
 * SABOT_BENCH_APISERVER_PROFILE=<file>: also write a CPU profile of the kube-apiserver over the
 * first 30 s from the first create (Go's pprof format: `go tool pprof -top <file>`).
 */

import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
  type V1Node,
} from "@kubernetes/client-node";
import { buildSync } from "esbuild";
import { CRD_FILES, renderCrd } from "../../operator/crd/write-crds.js";
import { API_GROUP, API_VERSION } from "../../runtime/contract/spec/manifest.js";
import { cacheDir } from "../env/lib/cache.js";
import { freePort } from "../env/lib/ports.js";
import { type ServerProcess, startServer, stopServer, tailLog } from "../env/lib/process.js";
import { waitFor } from "../env/lib/wait.js";
import { KWOK_NODE_ANNOTATION, kubectlPath, startKube } from "../env/services/kube.js";
import { jobSpec } from "../operator/streamjob/resources/fixtures.js";
import { chartOperatorKubeconfig } from "./chart-identity.js";
import { JobPhases } from "./job-phases.js";
import { CONNECTIONS } from "./operator-requests.js";
import { table } from "./run-case.js";

const JOBS = Number(process.env.SABOT_BENCH_JOBS ?? 500);
const OPERATOR_ALONE = process.env.SABOT_BENCH_OPERATOR_ALONE === "1";
const TIMEOUT_MS = Number(process.env.SABOT_BENCH_TIMEOUT_S ?? 600) * 1000;
/** Creations in flight at once: "all at once", without opening hundreds of sockets. */
const CREATE_CONCURRENCY = 32;
/** After every job is Running: how long to wait for the operator's queue to empty. */
const IDLE_WAIT_MS = 180_000;
const NAMESPACE = "bench";
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Extra kwok nodes so that N coordinators and N workers fit (the test cluster's two hold 110 pods each). */
function benchNodes(jobs: number): V1Node[] {
  const perNode = 500;
  const count = Math.max(1, Math.ceil((jobs * 2) / perNode));
  const resources = { cpu: "1000", memory: "8Ti", pods: String(perNode), "ephemeral-storage": "10Ti" };
  return Array.from({ length: count }, (_, i) => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: `sabot-bench-${i}`,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": `sabot-bench-${i}`,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        type: "kwok",
      },
    },
    status: { capacity: resources, allocatable: resources },
  }));
}

/** Prometheus text: the value of one sample (first match), or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, "\\$&")} ([0-9.e+-]+|NaN)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

/** histogram_quantile as Prometheus computes it: linear interpolation inside the bucket. */
function histogramQuantile(text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} ([0-9.e+]+)$`, "gm"))].map((m) => ({
    le: m[1] === "+Inf" ? Infinity : Number(m[1]),
    count: Number(m[2]),
  }));
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe; // beyond the largest finite bucket
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * A CPU profile of the API server over `seconds`, written to `file` (its /debug/pprof, served to
 * the admin kubeconfig's system:masters). Starts now; resolves when written.
 */
function profileApiserver(kubeconfig: string, file: string, seconds: number): Promise<void> {
  const path = `/debug/pprof/profile?seconds=${seconds}`;
  return new Promise((resolve, reject) =>
    execFile(
      kubectlPath(),
      ["--kubeconfig", kubeconfig, "get", "--raw", path, "--request-timeout", `${seconds + 30}s`],
      { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => (err ? reject(err) : resolve(writeFileSync(file, stdout))),
    ),
  );
}

/** Sum of apiserver_request_total over all clients (the operator, the control plane, kwok, this bench). */
function apiserverRequests(kubeconfig: string): number {
  const text = execFileSync(kubectlPath(), ["--kubeconfig", kubeconfig, "get", "--raw", "/metrics"], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
  let sum = 0;
  for (const m of text.matchAll(/^apiserver_request_total\{[^}]*\} ([0-9.e+]+)$/gm)) sum += Number(m[1]);
  return sum;
}

async function installCrds(kc: KubeConfig): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // Through loadYaml: client-node's typed serializer would drop x-kubernetes-* written as plain JSON.
  const crds = CRD_FILES.map(({ file }) => loadYaml<V1CustomResourceDefinition>(renderCrd(file)));
  for (const crd of crds)
    await objects.patch(crd, undefined, undefined, "sabot-bench", true, PatchStrategy.ServerSideApply);
  for (const crd of crds)
    await waitFor(
      async () =>
        (await ext.readCustomResourceDefinition({ name: crd.metadata!.name! })).status?.conditions?.some(
          (c) => c.type === "Established" && c.status === "True",
        ),
      { what: `CRD ${crd.metadata!.name} to be Established`, timeoutMs: 30_000 },
    );
}

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const count = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * The operator's requests per job, by purpose: keys as test/bench/operator-requests.ts names them
 * (`PATCH sabot.dev/streamjobs/status`, `POST events`, ...).
 */
function perJob(requests: Record<string, number>, jobs: number): string[][] {
  const sum = (match: (k: string) => boolean) =>
    Object.entries(requests).reduce((n, [k, v]) => n + (match(k) ? v : 0), 0);
  const statusWrites = sum((k) => /^(PATCH|PUT) sabot\.dev\/streamjobs\/status$/.test(k));
  const events = sum((k) => / events$/.test(k));
  const applies = sum((k) => k.startsWith("PATCH ") && !k.includes("sabot.dev/") && !k.endsWith(" events"));
  const total = sum(() => true);
  const per = (n: number) => (n / jobs).toFixed(2);
  return [
    ["all requests", per(total)],
    ["status writes (PATCH streamjobs/status)", per(statusWrites)],
    ["Events (POST and PATCH events)", per(events)],
    ["child applies (server-side apply PATCHes)", per(applies)],
    ["everything else (finalizers, lists, watches, discovery, Lease)", per(total - statusWrites - events - applies)],
  ];
}
/**
 * How the operator process starts. By default as the chart runs it: the bundle the image ships
 * (bin/bundle-operator.mjs) with the chart's `nodeOptions`. SABOT_BENCH_OPERATOR=tsx runs the
 * sources under tsx with no Node flags, as earlier figures in docs/benchmarks.md were taken.
 */
function operatorLaunch(runDir: string): { args: string[]; nodeOptions: string; describe: string } {
  if (process.env.SABOT_BENCH_OPERATOR === "tsx") {
    const args = ["--import", "tsx", "--import", "./test/bench/operator-requests.ts", "operator/main.ts"];
    return { args, nodeOptions: "", describe: "sources under tsx, no Node flags" };
  }
  const bundle = join(runDir, "operator", "main.js");
  const preload = join(runDir, "operator-requests.mjs");
  execFileSync(process.execPath, ["bin/bundle-operator.mjs", bundle], { cwd: repoRoot, stdio: "inherit" });
  buildSync({ entryPoints: [join(repoRoot, "test/bench/operator-requests.ts")], format: "esm", outfile: preload });
  const values = loadYaml(readFileSync(join(repoRoot, "helm/sabot/values.yaml"), "utf8")) as { nodeOptions?: string };
  const nodeOptions = values.nodeOptions ?? "";
  return {
    args: ["--import", preload, bundle],
    nodeOptions,
    describe: `the image's bundle, NODE_OPTIONS="${nodeOptions}" (the chart's)`,
  };
}

const s = (ms: number | undefined) => (ms === undefined ? "not reached" : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<boolean> {
  const runDir = mkdtempSync(join(cacheDir("runs"), "bench-operator-"));
  const logDir = join(runDir, "logs");
  mkdirSync(logDir);
  console.log(`starting kube-apiserver, etcd, controller manager, scheduler and kwok (logs in ${logDir})`);
  const controllers = OPERATOR_ALONE ? ["*", "-deployment", "-replicaset", "-statefulset"] : undefined;
  const { kube, processes } = await startKube({ runDir, logDir, controllers });
  let operator: ServerProcess | undefined;
  let phases: JobPhases | undefined;
  let ok = false;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const nodes = benchNodes(JOBS);
    await Promise.all(nodes.map((body) => core.createNode({ body })));
    await Promise.all([
      installCrds(kc),
      core.createNamespace({ body: { metadata: { name: NAMESPACE } } }),
      waitFor(
        async () =>
          (await Promise.all(nodes.map((n) => core.readNode({ name: n.metadata!.name! })))).every((n) =>
            n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
          ),
        { what: "the bench nodes to become Ready", timeoutMs: 60_000 },
      ),
    ]);
    await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: NAMESPACE }), {
      what: `ServiceAccount ${NAMESPACE}/default`,
      timeoutMs: 30_000,
    });

    const operatorKubeconfig =
      process.env.SABOT_BENCH_OPERATOR_AUTH === "admin"
        ? kube.kubeconfig
        : await chartOperatorKubeconfig(kc, NAMESPACE, runDir);
    const port = await freePort();
    const requestsFile = join(runDir, "operator-requests.json");
    const launch = operatorLaunch(runDir);
    console.log(`operator: ${launch.describe}`);
    operator = await startServer({
      name: "operator",
      cmd: process.execPath,
      args: launch.args,
      cwd: repoRoot,
      env: {
        ...(process.env as Record<string, string>),
        NODE_OPTIONS: launch.nodeOptions,
        KUBECONFIG: operatorKubeconfig,
        SABOT_OPERATOR_PORT: String(port),
        SABOT_OPERATOR_WATCH_NAMESPACE: NAMESPACE,
        SABOT_OPERATOR_LEASE_NAMESPACE: NAMESPACE,
        SABOT_OPERATOR_IMAGE: "registry.k8s.io/pause:3.10",
        // The chart's reconcileWorkers; unset = the operator's default.
        ...(process.env.SABOT_BENCH_WORKERS ? { SABOT_OPERATOR_WORKERS: process.env.SABOT_BENCH_WORKERS } : {}),
        SABOT_LOG_LEVEL: "warn",
        SABOT_BENCH_REQUESTS_FILE: requestsFile,
        POD_NAME: "bench-operator",
      },
      logDir,
      ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
      timeoutMs: 60_000,
    });
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const scrape = async () => (await fetch(metricsUrl)).text();
    await waitFor(async () => sample(await scrape(), "sabot_operator_leader") === 1, {
      what: "the operator to lead",
      timeoutMs: 30_000,
    });
    const idleRssKiB = procStatusKiB(operator.pid, "VmRSS");
    const apiBefore = apiserverRequests(kube.kubeconfig);
    const servers = [operator, ...processes];
    const cpuBefore = servers.map((p) => cpuSeconds(p.pid));

    const ref = { group: API_GROUP, version: "v1alpha1", namespace: NAMESPACE, plural: "streamjobs" };
    phases = new JobPhases(kc, custom, NAMESPACE);
    await phases.start();

    console.log(`operator ${operator.pid} leads; creating ${JOBS} StreamJobs`);
    const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(4, "0")}`);
    const profileFile = process.env.SABOT_BENCH_APISERVER_PROFILE;
    // Awaited at the end; a failed profile is reported, not fatal.
    const profiled = profileFile
      ? profileApiserver(kube.kubeconfig, profileFile, 30).then(
          () => `kube-apiserver CPU profile of the first 30 s: ${profileFile}`,
          (err: Error) => `no kube-apiserver profile: ${err.message}`,
        )
      : undefined;
    const t0 = Date.now();
    await inBatches(names, CREATE_CONCURRENCY, (name) =>
      custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: API_VERSION, kind: "StreamJob", metadata: { name }, spec: jobSpec({ parallelism: 1 }) },
      }),
    );
    const createdMs = Date.now() - t0;

    let allDeployedMs: number | undefined;
    let allRunningMs: number | undefined;
    let maxQueue = 0;
    let maxRssKiB = 0;
    let lastReport = 0;
    const deadline = t0 + TIMEOUT_MS;
    while (Date.now() < deadline) {
      const text = await scrape();
      maxQueue = Math.max(maxQueue, sample(text, "sabot_operator_queue_depth") ?? 0);
      maxRssKiB = Math.max(maxRssKiB, procStatusKiB(operator.pid, "VmRSS"));
      const counts = phases.counts();
      const running = counts.get("Running") ?? 0;
      const deployed = running + (counts.get("Deploying") ?? 0);
      const now = Date.now() - t0;
      if (allDeployedMs === undefined && deployed === JOBS) allDeployedMs = now;
      // With no pods made, no job can run: the operator's part ends at Deploying.
      if (OPERATOR_ALONE && allDeployedMs !== undefined) break;
      if (running === JOBS) {
        allRunningMs = now;
        break;
      }
      if (now - lastReport >= 10_000) {
        lastReport = now;
        console.log(
          `  ${s(now)}: ${[...counts].map(([p, n]) => `${p} ${n}`).join(", ")}; queue ${sample(text, "sabot_operator_queue_depth")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // Then until the operator is idle (an empty queue), which needs the reconciles that follow
    // the last status writes and child events; bounded, since Running jobs come back once more
    // after the lifecycle's stable delay.
    const endedMs = OPERATOR_ALONE ? allDeployedMs : allRunningMs;
    let idleMs: number | undefined;
    const idleDeadline = Date.now() + IDLE_WAIT_MS;
    while (endedMs !== undefined && Date.now() < idleDeadline) {
      if (sample(await scrape(), "sabot_operator_queue_depth") === 0) {
        idleMs = Date.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    if (profiled) console.log(await profiled);
    const text = await scrape();
    const cpuUsed = servers.map((p, i) => [p.name, (cpuSeconds(p.pid) - cpuBefore[i]).toFixed(1)]);
    const apiAfter = apiserverRequests(kube.kubeconfig);
    const requests = existsSync(requestsFile)
      ? (JSON.parse(readFileSync(requestsFile, "utf8")) as Record<string, number>)
      : {};
    const connections = requests[CONNECTIONS] ?? 0;
    delete requests[CONNECTIONS];
    const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
    const reconciles = ["success", "error", "conflict"].map(
      (r) => sample(text, "sabot_operator_reconciles_total", `{result="${r}"}`) ?? 0,
    );
    const quantile = (q: number) =>
      `${(histogramQuantile(text, "sabot_operator_reconcile_duration_seconds", q) * 1000).toFixed(0)} ms`;

    console.log(
      `\nOperator scale: ${JOBS} StreamJobs (parallelism 1: one coordinator and one worker pod each), one operator ` +
        `(${process.env.SABOT_BENCH_WORKERS ?? "default"} reconcile workers), kwok nodes` +
        (OPERATOR_ALONE ? "; operator alone: no Deployment, ReplicaSet or StatefulSet controller, so no pods" : ""),
    );
    console.log(
      table(
        ["measure", "value"],
        [
          ["create all StreamJobs (client side)", s(createdMs)],
          ["until every job is Deploying or Running", s(allDeployedMs)],
          ["until every job is Running", s(allRunningMs)],
          [
            "until the operator's queue is empty",
            idleMs === undefined ? `not within ${s(IDLE_WAIT_MS)} after that` : s(idleMs),
          ],
          ["reconciles (success / error / conflict)", reconciles.map((n) => count(n)).join(" / ")],
          ["reconcile latency p50 / p99", `${quantile(0.5)} / ${quantile(0.99)}`],
          [
            "queue depth: largest sampled (every ~0.5 s) / at the end",
            `${maxQueue} / ${sample(text, "sabot_operator_queue_depth")}`,
          ],
          [
            "operator RSS idle / largest sampled / peak (VmHWM)",
            `${(idleRssKiB / 1024).toFixed(0)} / ${(maxRssKiB / 1024).toFixed(0)} / ${(procStatusKiB(operator.pid, "VmHWM") / 1024).toFixed(0)} MiB`,
          ],
          ["API requests sent by the operator", count(totalRequests)],
          ["TLS connections the operator opened to the API server", count(connections)],
          ["API requests served, all clients (apiserver_request_total)", count(apiAfter - apiBefore)],
        ],
      ),
    );
    console.log(
      "\nCPU seconds each process used from the first create to the end (the machine's other load not included):",
    );
    console.log(table(["process", "CPU s"], cpuUsed));
    const statusWrites = ["written", "unchanged"].map(
      (r) => sample(text, "sabot_operator_status_writes_total", `{result="${r}"}`) ?? 0,
    );
    console.log(
      `\nAPI requests per job (${count(totalRequests)} requests / ${JOBS} jobs); reconciles that wrote the status / found it unchanged: ${statusWrites.map(count).join(" / ")}`,
    );
    console.log(table(["requests per job", "count"], perJob(requests, JOBS)));
    console.log("\nThe operator's requests, by verb and resource:");
    console.log(
      table(
        ["request", "count"],
        Object.entries(requests)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, count(n)]),
      ),
    );
    ok = endedMs !== undefined;
    if (!ok)
      console.log(
        `\nnot every job was ${OPERATOR_ALONE ? "Deploying" : "Running"} within ${s(TIMEOUT_MS)}; operator log tail:\n${tailLog(operator.logFile)}`,
      );
  } finally {
    await phases?.stop();
    if (operator) await stopServer(operator);
    for (const p of [...processes].reverse()) await stopServer(p, 5_000);
    if (ok) rmSync(runDir, { recursive: true, force: true });
    else console.log(`logs kept in ${logDir}`);
  }
  return ok;
}

// Exit explicitly: the Kubernetes client's keep-alive sockets would hold the process open.
process.exit((await main()) ? 0 : 1);

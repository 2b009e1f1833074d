import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import {
  AppsV1Api,
  CoordinationV1Api,
  type CoreV1Api,
  type CustomObjectsApi,
  type KubeConfig,
  type V1Pod,
} from "@kubernetes/client-node";
import { API_GROUP } from "../../runtime/contract/spec/manifest.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { sabotImage } from "../env/lib/image.js";
import { waitFor } from "../env/lib/wait.js";
import { kubectlPath } from "../env/services/kube.js";
import { realNodePlacement } from "../env/services/real-node/placement.js";
import { CHART, helm, setArgs } from "../helm/helm.js";
import { testEnv } from "../helpers/env.js";
import { SECRET, storageNamespace } from "../operator/checkpoint/checkpoint-fixture.js";
import { kubeConfig } from "../operator/kube/kube.js";

/**
 * The world of the end-to-end tests: the operator installed with Helm from the real image as a pod
 * of the test environment's real (kubelet) node, a fresh namespace, a MinIO bucket with the
 * credentials Secret the jobs' pods read, and the Kubernetes clients to watch it all.
 */
export interface RealCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  ns: string;
  release: string;
  bucket: string;
  s3: S3Client;
}

export { SECRET as STORAGE_SECRET };

/** Tolerates the real node's taint and selects it: what a job's pods need to run for real. */
export const onRealNode = () => realNodePlacement(testEnv().kube.realNode);

/** The operator's Helm values for this environment: the local image, never pulled, on the real node. */
function operatorValues(): Record<string, string | number | boolean> {
  const [repository, tag] = splitImage(sabotImage().ref);
  const env = testEnv();
  return {
    "image.repository": repository,
    "image.tag": tag,
    "image.pullPolicy": "Never",
    "jobs.imagePullPolicy": "Never",
    "jobs.shutdownTimeoutSeconds": 10,
    "jobs.preStopSleepSeconds": 1,
    "jobs.logLevel": "info",
    "autoscaler.prometheusUrl": env.prometheus.url,
  };
}

/** `repo:tag` → [repo, tag]; a registry port (`host:5000/x`) is not a tag. */
function splitImage(ref: string): [string, string] {
  const at = ref.lastIndexOf(":");
  if (at < 0 || ref.indexOf("/", at) >= 0) return [ref, "latest"];
  return [ref.slice(0, at), ref.slice(at + 1)];
}

export async function kubectl(ns: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(
      kubectlPath(),
      ["--kubeconfig", testEnv().kube.kubeconfig, "-n", ns, ...args],
      {
        maxBuffer: 64 * 2 ** 20,
      },
    );
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

/** Installs the chart into a fresh namespace and waits until its operator pod leads. */
export async function installOperator(prefix: string): Promise<RealCluster> {
  const kc = kubeConfig();
  const { core, custom, ns, bucket, s3 } = await storageNamespace(kc, prefix);
  const release = "sabot";
  // The chart's CRDs are installed above (the same generated files); --skip-crds avoids a
  // conflict between Helm's and the tests' field managers.
  const placement = join(mkdtempSync(join(tmpdir(), "e2e-")), "placement.yaml");
  writeFileSync(placement, JSON.stringify(onRealNode()));
  await helm(
    "install",
    release,
    CHART,
    "--namespace",
    ns,
    "--kubeconfig",
    testEnv().kube.kubeconfig,
    "--skip-crds",
    "--wait",
    "--timeout",
    "3m",
    "--values",
    placement,
    ...setArgs(operatorValues()),
  );
  return { kc, core, apps: kc.makeApiClient(AppsV1Api), custom, ns, release, bucket, s3 };
}

export async function uninstall(c: RealCluster | undefined): Promise<void> {
  if (!c) return;
  await kubectl(c.ns, "delete", "streamjobs", "--all", "--wait=true", "--timeout=90s").catch(() => undefined);
  await helm("uninstall", c.release, "--namespace", c.ns, "--kubeconfig", testEnv().kube.kubeconfig, "--wait").catch(
    () => undefined,
  );
  await c.core.deleteNamespace({ name: c.ns }).catch(() => undefined);
  c.s3.destroy();
}

export async function leaseHolder(c: RealCluster): Promise<string | undefined> {
  const lease = await c.kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: "sabot-operator-leader", namespace: c.ns });
  return lease.spec?.holderIdentity ?? undefined;
}

export async function pods(c: RealCluster, selector: string): Promise<V1Pod[]> {
  return (await c.core.listNamespacedPod({ namespace: c.ns, labelSelector: selector })).items;
}

export async function jobStatus(c: RealCluster, name: string): Promise<StreamJobStatus | undefined> {
  const job = (await c.custom.getNamespacedCustomObject({
    group: API_GROUP,
    version: "v1alpha1",
    namespace: c.ns,
    plural: "streamjobs",
    name,
  })) as {
    status?: StreamJobStatus;
  };
  return job.status;
}

export async function waitForPhase(
  c: RealCluster,
  name: string,
  phase: string,
  extra: (s: StreamJobStatus) => boolean = () => true,
  timeoutMs = 180_000,
): Promise<StreamJobStatus> {
  return waitFor(
    async () => {
      const s = await jobStatus(c, name);
      return s?.phase === phase && !s.upgrade && extra(s) ? s : undefined;
    },
    { what: `StreamJob ${name} to be ${phase}`, timeoutMs, intervalMs: 500 },
  );
}

export async function objectKeys(c: RealCluster, prefix: string): Promise<string[]> {
  const out = await c.s3.send(new ListObjectsV2Command({ Bucket: c.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? "");
}

/** Everything a person would look at when an end-to-end test fails. */
export async function diagnostics(c: RealCluster): Promise<string> {
  const parts = [
    await kubectl(c.ns, "get", "streamjobs,checkpoints,pods,deploy,statefulsets,svc", "-o", "wide").catch(
      (e: Error) => e.message,
    ),
    await kubectl(c.ns, "get", "events", "--sort-by=.lastTimestamp").catch((e: Error) => e.message),
    await kubectl(c.ns, "get", "streamjobs", "-o", "yaml").catch((e: Error) => e.message),
    await kubectl(c.ns, "logs", "-l", "app.kubernetes.io/name=sabot", "--tail=80", "--all-containers").catch(
      (e: Error) => e.message,
    ),
  ];
  for (const p of await pods(c, "sabot.dev/job").catch(() => [])) {
    const name = p.metadata?.name ?? "";
    parts.push(`--- ${name} ---\n${await kubectl(c.ns, "logs", name, "--tail=60").catch((e: Error) => e.message)}`);
  }
  return parts.join("\n\n");
}

/** `kubectl apply -f` of an object, as a user applies a manifest. */
export async function applyJson(ns: string, obj: object): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), "e2e-")), "object.json");
  writeFileSync(file, JSON.stringify(obj));
  await kubectl(ns, "apply", "-f", file);
}

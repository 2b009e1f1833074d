import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { CRD_FILES, renderCrd } from "../../../operator/crd/write-crds.js";
import { PooledKubeConfig } from "../../../operator/kube/kube-config.js";
import { waitFor } from "../../env/lib/wait.js";
import { kubectlPath } from "../../env/services/kube.js";
import { testEnv } from "../../helpers/env.js";
import { uniqueName } from "../../helpers/names.js";

export function kubeConfig(): KubeConfig {
  // As the operator's main does: requests share kept-alive connections.
  const kc = new PooledKubeConfig();
  kc.loadFromFile(testEnv().kube.kubeconfig);
  return kc;
}

/** Installs the CRDs (server-side apply, idempotent) from the rendered YAML and waits until established. */
export async function installCrds(kc: KubeConfig): Promise<void> {
  // Through loadYaml: client-node drops enum/default/x-kubernetes-* written as plain JSON.
  await applyCrds(
    kc,
    CRD_FILES.map(({ file }) => renderCrd(file)),
  );
}

/**
 * cert-manager's own Certificate CRD (v1.16.2, vendored from its Go module), for spec.tls.issuerRef;
 * cert-manager's controller does not run in the test environment.
 */
export async function installCertificateCrd(kc: KubeConfig): Promise<void> {
  const file = new URL("../streamjob/resources/cert-manager-certificates.crd.yaml", import.meta.url);
  await applyCrds(kc, [readFileSync(file, "utf8")]);
}

async function applyCrds(kc: KubeConfig, yamls: string[]): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crds = yamls.map((y) => loadYaml<V1CustomResourceDefinition>(y));
  for (const crd of crds)
    await objects.patch(crd, undefined, undefined, "sabot-tests", true, PatchStrategy.ServerSideApply);
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    await waitFor(
      async () =>
        (await ext.readCustomResourceDefinition({ name })).status?.conditions?.some(
          (c) => c.type === "Established" && c.status === "True",
        ),
      { what: `CRD ${name} to be Established`, timeoutMs: 30_000 },
    );
  }
}

/** A fresh namespace with its default ServiceAccount (pods cannot be created before it exists). */
export async function freshNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: ns }), {
    what: `ServiceAccount ${ns}/default`,
    timeoutMs: 30_000,
  });
  return ns;
}

export async function kubectl(ns: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(kubectlPath(), [
    "--kubeconfig",
    testEnv().kube.kubeconfig,
    "-n",
    ns,
    ...args,
  ]);
  return stdout;
}

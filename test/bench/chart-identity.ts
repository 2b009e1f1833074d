import { join } from "node:path";
import { type KubeConfig, KubernetesObjectApi } from "@kubernetes/client-node";
import { renderChart } from "../helm/helm.js";
import { writeServiceAccountKubeconfig } from "../helpers/token-kubeconfig.js";

/** What the chart renders for the operator's identity; everything else (its Deployment) the benchmark runs itself. */
const IDENTITY_KINDS = new Set(["ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"]);

/**
 * The operator's identity as `helm install` gives it: the chart's ServiceAccount and RBAC for
 * `namespace`, and a kubeconfig in `dir` with a TokenRequest token of that ServiceAccount. The API
 * server then authenticates and authorizes the operator's requests as in a cluster (a cached token
 * and RBAC), not as the test environment's admin certificate, which it verifies on every request.
 */
export async function chartOperatorKubeconfig(kc: KubeConfig, namespace: string, dir: string): Promise<string> {
  const rendered = await renderChart("sabot", namespace);
  const identity = rendered.objects.filter((o) => IDENTITY_KINDS.has(o.kind ?? ""));
  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (const o of identity) await objects.create(o);
  const sa = identity.find((o) => o.kind === "ServiceAccount")?.metadata?.name;
  if (!sa) throw new Error("the chart rendered no ServiceAccount for the operator");
  const file = join(dir, "operator.kubeconfig");
  await writeServiceAccountKubeconfig(kc, sa, namespace, file);
  return file;
}

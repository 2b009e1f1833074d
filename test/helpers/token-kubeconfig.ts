import { readFileSync, writeFileSync } from "node:fs";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import yaml from "js-yaml";

/**
 * Writes to `file` a kubeconfig that reaches `kc`'s API server as ServiceAccount `namespace/sa`
 * with a fresh TokenRequest token (valid an hour) and nothing else: the identity an in-cluster
 * operator has.
 */
export async function writeServiceAccountKubeconfig(
  kc: KubeConfig,
  sa: string,
  namespace: string,
  file: string,
): Promise<void> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster to point the ServiceAccount's kubeconfig at");
  const request = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: sa,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`the API server returned no token for ServiceAccount ${namespace}/${sa}`);
  writeFileSync(
    file,
    yaml.dump({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "test",
          cluster: {
            server: cluster.server,
            "certificate-authority-data": cluster.caData ?? readFileSync(cluster.caFile ?? "").toString("base64"),
          },
        },
      ],
      users: [{ name: sa, user: { token } }],
      contexts: [{ name: sa, context: { cluster: "test", user: sa, namespace } }],
      "current-context": sa,
    }),
  );
}

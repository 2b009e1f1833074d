import { readFileSync, writeFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import yaml from "js-yaml";

/**
 * Writes a kubeconfig that reaches `kc`'s API server as ServiceAccount `sa` with `token` (a
 * TokenRequest token) and nothing else: the identity an in-cluster operator has.
 */
export function writeTokenKubeconfig(kc: KubeConfig, sa: string, namespace: string, token: string, file: string): void {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("the kubeconfig has no current cluster to point the ServiceAccount's kubeconfig at");
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

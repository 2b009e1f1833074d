import type { KubernetesObject, KubernetesObjectApi, V1Secret } from "@kubernetes/client-node";
import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { JobTlsError, JobTlsSecrets } from "../../../operator/streamjob/job-tls.js";
import { streamJob } from "./resources/fixtures.js";

/** An in-process fake of the two calls JobTlsSecrets makes: server-side apply and read. */
function fakeObjects(secrets: Map<string, V1Secret>) {
  const applied: KubernetesObject[] = [];
  const api = {
    patch: async (o: KubernetesObject) => {
      applied.push(o);
      return o;
    },
    read: async (o: KubernetesObject) => {
      const s = secrets.get(o.metadata!.name!);
      if (!s) throw new ApiException(404, "not found", "", {});
      return s;
    },
  } as unknown as KubernetesObjectApi;
  return { api, applied };
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const issued = (tag: string): V1Secret => ({
  data: { "ca.crt": b64("CA"), "tls.crt": b64(`${tag} cert`), "tls.key": b64(`${tag} key`) },
});

describe("JobTlsSecrets with spec.tls.issuerRef", () => {
  const job = streamJob("orders", { tls: { issuerRef: { name: "team-ca", kind: "ClusterIssuer" } } });

  it("applies the three Certificates, issues no Secret of its own, and waits until cert-manager wrote them all", async () => {
    const secrets = new Map<string, V1Secret>([["orders-coordinator-tls", issued("coordinator")]]);
    const { api, applied } = fakeObjects(secrets);
    const tls = new JobTlsSecrets(api);
    const waiting = tls.ensure(job);
    await expect(waiting).rejects.toThrow(JobTlsError);
    await expect(tls.ensure(job)).rejects.toThrow(
      /waits for cert-manager \(ClusterIssuer team-ca\) to issue Secret orders-worker-tls, orders-client-tls; kubectl describe certificate orders-worker-tls -n team-a/,
    );
    expect(applied.map((o) => o.kind)).toEqual(Array(6).fill("Certificate"));
    secrets.set("orders-worker-tls", issued("worker"));
    secrets.set("orders-client-tls", issued("client"));
    await tls.ensure(job);
    const client = await tls.client(job);
    expect([client.ca.toString(), client.cert.toString(), client.key.toString()]).toEqual([
      "CA",
      "client cert",
      "client key",
    ]);
  });

  it("says which Secret cert-manager has not written when the operator needs its client certificate", async () => {
    const { api } = fakeObjects(new Map());
    await expect(new JobTlsSecrets(api).client(job)).rejects.toThrow(
      "job team-a/orders has no Secret orders-client-tls yet: cert-manager writes it when the job is deployed",
    );
  });
});

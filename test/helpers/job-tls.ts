import { ApiException, type CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { clientTlsOf, tlsSecretName } from "../../operator/streamjob/resources/tls-secret.js";
import { ControlClient } from "../../runtime/contract/rpc/loader.js";

/**
 * A Control API client of an operator-managed job, with the client certificate of the job's TLS
 * Secret (as the operator itself dials the coordinator). Waits for the Secret, which the operator
 * creates with the job's first deployment.
 */
export async function jobControlClient(
  core: CoreV1Api,
  namespace: string,
  job: string,
  address: string,
  timeoutMs = 30_000,
): Promise<ControlClient> {
  const name = tlsSecretName({ metadata: { name: job } } as Parameters<typeof tlsSecretName>[0]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let secret: V1Secret | undefined;
    try {
      secret = await core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
    const tls = secret && clientTlsOf(secret);
    if (tls) return new ControlClient(address, tls);
    if (Date.now() > deadline)
      throw new Error(`no client certificate in Secret ${namespace}/${name} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

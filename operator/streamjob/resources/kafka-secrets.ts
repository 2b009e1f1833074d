import type { V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { kafkaSecretKeyRefs, SECRETS_DIR } from "../../../runtime/contract/spec/kafka-connection-rules.js";
import type { StreamJob } from "../job.js";

/**
 * The Secrets that the job's Kafka security names with secretKeyRef, mounted read-only into the
 * workers (the only pods that connect to Kafka) where the runtime reads them:
 * `<SECRETS_DIR>/<secret>/<key>`, only the keys named. The values never pass through the
 * operator, the spec or the ConfigMap.
 */
export function kafkaSecretVolumes(job: StreamJob): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const keysBySecret = new Map<string, string[]>();
  for (const { name, key } of kafkaSecretKeyRefs(job.spec))
    keysBySecret.set(name, [...(keysBySecret.get(name) ?? []), key]);
  const secrets = [...keysBySecret.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    volumes: secrets.map(([secretName, keys], i) => ({
      name: `kafka-secret-${i}`,
      secret: { secretName, items: keys.map((key) => ({ key, path: key })), defaultMode: 0o440 },
    })),
    mounts: secrets.map(([secretName], i) => ({
      name: `kafka-secret-${i}`,
      mountPath: `${SECRETS_DIR}/${secretName}`,
      readOnly: true,
    })),
  };
}

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CoreV1Api, V1Container, V1Pod } from "@kubernetes/client-node";

/** What a kubelet does before starting a container, for the pod runner: volumes and environment. */

/** Kubelet-style `$(VAR)` expansion; `$$` escapes; unknown references stay as written. */
export function expandVars(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name?: string) => {
    if (m === "$$") return "$";
    return name !== undefined && env[name] !== undefined ? env[name] : m;
  });
}

/** ConfigMap and Secret volumes, written out; returns [mountPath, local folder] pairs. */
export async function materializeVolumes(
  core: CoreV1Api,
  ns: string,
  pod: V1Pod,
  c: V1Container,
  podDir: string,
): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const m of c.volumeMounts ?? []) {
    const vol = pod.spec?.volumes?.find((v) => v.name === m.name);
    let files: Record<string, string> | undefined;
    let items: { key: string; path: string }[] | undefined;
    if (vol?.configMap?.name) {
      const cm = await core.readNamespacedConfigMap({ name: vol.configMap.name, namespace: ns });
      files = cm.data ?? {};
      items = vol.configMap.items;
    } else if (vol?.secret?.secretName) {
      const s = await core.readNamespacedSecret({ name: vol.secret.secretName, namespace: ns });
      files = Object.fromEntries(
        Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
      items = vol.secret.items;
    }
    if (!files) continue;
    const local = join(podDir, "volumes", m.name);
    mkdirSync(local, { recursive: true });
    for (const [key, path] of (items ?? Object.keys(files).map((k) => ({ key: k, path: k }))).map(
      (i) => [i.key, i.path] as const,
    ))
      if (files[key] !== undefined) writeFileSync(join(local, path), files[key]);
    pairs.push([m.mountPath.replace(/\/+$/, ""), local]);
  }
  return pairs;
}

export async function resolveEnv(
  core: CoreV1Api,
  ns: string,
  pod: V1Pod,
  c: V1Container,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const secret = async (name: string) => {
    const s = await core.readNamespacedSecret({ name, namespace: ns });
    return Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  };
  const configMap = async (name: string) => (await core.readNamespacedConfigMap({ name, namespace: ns })).data ?? {};
  for (const from of c.envFrom ?? []) {
    const data = from.secretRef?.name
      ? await secret(from.secretRef.name)
      : from.configMapRef?.name
        ? await configMap(from.configMapRef.name)
        : {};
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ""}${k}`] = v;
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandVars(e.value, env);
    const f = e.valueFrom;
    if (!f) continue;
    if (f.fieldRef) {
      const fields: Record<string, string | undefined> = {
        "metadata.name": pod.metadata?.name,
        "metadata.namespace": pod.metadata?.namespace,
        "metadata.uid": pod.metadata?.uid,
        "spec.nodeName": pod.spec?.nodeName,
        "status.podIP": "127.0.0.1",
        "status.hostIP": "127.0.0.1",
      };
      const v = fields[f.fieldRef.fieldPath];
      if (v === undefined)
        throw new Error(`env ${e.name}: fieldRef ${f.fieldRef.fieldPath} is not supported by the pod runner`);
      env[e.name] = v;
    } else if (f.secretKeyRef) {
      const v = (await secret(f.secretKeyRef.name ?? ""))[f.secretKeyRef.key];
      if (v === undefined && !f.secretKeyRef.optional)
        throw new Error(`env ${e.name}: Secret ${f.secretKeyRef.name} has no key ${f.secretKeyRef.key}`);
      if (v !== undefined) env[e.name] = v;
    } else if (f.configMapKeyRef) {
      const v = (await configMap(f.configMapKeyRef.name ?? ""))[f.configMapKeyRef.key];
      if (v !== undefined) env[e.name] = v;
    }
  }
  return env;
}

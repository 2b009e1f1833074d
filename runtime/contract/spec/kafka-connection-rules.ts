import type { Static } from "@sinclair/typebox";
import type { SpecIssue } from "./errors.js";
import type { KafkaConnectionSpec, KafkaSecuritySpec, SecretRef } from "./kafka-connection.js";
import type { StreamJobSpec } from "./schema.js";

export type KafkaSecurity = Static<typeof KafkaSecuritySpec>;
export type KafkaConnection = Static<typeof KafkaConnectionSpec>;
export type SecretRefSpec = Static<typeof SecretRef>;

/** What a kafka source or sink says about its connection (the fields of kafkaConnectionFields). */
interface ConnectionFields {
  connection?: string;
  bootstrapServers?: string[];
  security?: KafkaSecurity;
  client?: "kafkajs" | "librdkafka" | "native";
}

/** Every kafka source and sink of a spec, with its spec path. */
function kafkaEndpoints(spec: StreamJobSpec): { path: string; fields: ConnectionFields }[] {
  const out: { path: string; fields: ConnectionFields }[] = [];
  for (const [name, s] of Object.entries(spec.sources ?? {}))
    if (s.kafka) out.push({ path: `spec.sources.${name}.kafka`, fields: s.kafka });
  for (const [name, s] of Object.entries(spec.sinks ?? {}))
    if (s.kafka) out.push({ path: `spec.sinks.${name}.kafka`, fields: s.kafka });
  return out;
}

function secretRefIssues(ref: SecretRefSpec | undefined, path: string): SpecIssue[] {
  if (ref === undefined) return [];
  const set = (["secretKeyRef", "env", "file"] as const).filter((k) => ref[k] !== undefined);
  if (set.length === 1) return [];
  return [{ path, message: `expected exactly one of secretKeyRef, env, file, found ${set.join(" and ") || "none"}` }];
}

function saslIssues(s: NonNullable<KafkaSecurity["sasl"]>, path: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const refused = (field: string, why: string) => issues.push({ path: `${path}.${field}`, message: why });
  if (s.mechanism === "OAUTHBEARER") {
    if (!s.tokenFrom) refused("tokenFrom", "OAUTHBEARER needs tokenFrom, the file or variable holding the token");
    for (const f of ["username", "usernameFrom", "passwordFrom"] as const)
      if (s[f] !== undefined) refused(f, "OAUTHBEARER authenticates with tokenFrom; remove this field");
    return issues;
  }
  if ((s.username === undefined) === (s.usernameFrom === undefined))
    refused("username", `${s.mechanism} needs exactly one of username or usernameFrom`);
  if (!s.passwordFrom) refused("passwordFrom", `${s.mechanism} needs passwordFrom (a Secret key, variable or file)`);
  if (s.tokenFrom) refused("tokenFrom", "tokenFrom is for OAUTHBEARER only");
  return issues;
}

/** Checks one security block: the protocol's parts present, no part it does not use. */
export function securityIssues(sec: KafkaSecurity | undefined, path: string): SpecIssue[] {
  if (!sec) return [];
  const issues: SpecIssue[] = [];
  const sasl = sec.protocol.startsWith("SASL_");
  const tls = sec.protocol.endsWith("SSL");
  if (sasl && !sec.sasl)
    issues.push({ path: `${path}.sasl`, message: `${sec.protocol} needs sasl (mechanism and credentials)` });
  if (!sasl && sec.sasl)
    issues.push({
      path: `${path}.sasl`,
      message: `${sec.protocol} does not use SASL: set protocol SASL_SSL or remove sasl`,
    });
  if (!tls && sec.tls)
    issues.push({
      path: `${path}.tls`,
      message: `${sec.protocol} does not use TLS: set protocol SSL or SASL_SSL or remove tls`,
    });
  if (sec.sasl) {
    issues.push(...saslIssues(sec.sasl, `${path}.sasl`));
    for (const f of ["usernameFrom", "passwordFrom", "tokenFrom"] as const)
      issues.push(...secretRefIssues(sec.sasl[f], `${path}.sasl.${f}`));
  }
  if (sec.tls) {
    for (const f of ["caFrom", "certFrom", "keyFrom"] as const)
      issues.push(...secretRefIssues(sec.tls[f], `${path}.tls.${f}`));
    if ((sec.tls.certFrom === undefined) !== (sec.tls.keyFrom === undefined))
      issues.push({ path: `${path}.tls`, message: "a client certificate needs both certFrom and keyFrom" });
  }
  return issues;
}

/** Connections named but not defined, sources and sinks with no brokers, malformed security blocks. */
export function kafkaConnectionIssues(spec: StreamJobSpec): SpecIssue[] {
  const connections = spec.connections ?? {};
  const issues: SpecIssue[] = [];
  for (const [name, c] of Object.entries(connections))
    issues.push(...securityIssues(c.security, `spec.connections.${name}.security`));
  for (const { path, fields } of kafkaEndpoints(spec)) {
    const ref = fields.connection;
    if (ref !== undefined && !Object.hasOwn(connections, ref)) {
      const known = Object.keys(connections);
      issues.push({
        path: `${path}.connection`,
        message: `no connection "${ref}" in spec.connections (${known.length ? `defined: ${known.join(", ")}` : "none defined"})`,
      });
    }
    if (ref === undefined && fields.bootstrapServers === undefined)
      issues.push({
        path: `${path}.bootstrapServers`,
        message: "needed without `connection` (or name a spec.connections entry)",
      });
    issues.push(...securityIssues(fields.security, `${path}.security`));
  }
  return issues;
}

/**
 * The spec with each kafka source's and sink's `connection` filled in: its bootstrapServers,
 * security and client, unless the source or sink sets its own (which then win, the security block
 * as a whole). The `connection` name stays, so errors can name it. Idempotent; call after the checks.
 */
export function resolveKafkaConnections(spec: StreamJobSpec): StreamJobSpec {
  const connections = spec.connections ?? {};
  const resolve = <T extends ConnectionFields>(k: T): T => {
    const c = k.connection === undefined ? undefined : connections[k.connection];
    if (!c) return k;
    const security = k.security ?? c.security;
    const client = k.client ?? c.client;
    return {
      ...k,
      bootstrapServers: k.bootstrapServers ?? c.bootstrapServers,
      ...(security ? { security } : {}),
      ...(client ? { client } : {}),
    };
  };
  const sources = Object.fromEntries(
    Object.entries(spec.sources ?? {}).map(([n, s]) => [n, s.kafka ? { ...s, kafka: resolve(s.kafka) } : s]),
  );
  const sinks = Object.fromEntries(
    Object.entries(spec.sinks ?? {}).map(([n, s]) => [n, s.kafka ? { ...s, kafka: resolve(s.kafka) } : s]),
  );
  // A sql job has neither: its kafka tables carry their own settings.
  return spec.sql === undefined ? { ...spec, sources, sinks } : spec;
}

/** Every Secret key the job's Kafka security refers to (the operator mounts these into the workers). */
export function kafkaSecretKeyRefs(spec: StreamJobSpec): { name: string; key: string }[] {
  const blocks = [
    ...Object.values(spec.connections ?? {}).map((c) => c.security),
    ...kafkaEndpoints(spec).map((e) => e.fields.security),
  ];
  const refs = blocks.flatMap((s) => [
    s?.sasl?.usernameFrom,
    s?.sasl?.passwordFrom,
    s?.sasl?.tokenFrom,
    s?.tls?.caFrom,
    s?.tls?.certFrom,
    s?.tls?.keyFrom,
  ]);
  const seen = new Map<string, { name: string; key: string }>();
  for (const r of refs) if (r?.secretKeyRef) seen.set(`${r.secretKeyRef.name}/${r.secretKeyRef.key}`, r.secretKeyRef);
  return [...seen.values()];
}

/**
 * Where the operator mounts a Secret named by a secretKeyRef in the worker, and where the runtime
 * reads it: one folder per Secret, one file per key. SABOT_SECRETS_DIR moves it for runs outside
 * Kubernetes (the CLI's local runs, tests).
 */
export const SECRETS_DIR = "/var/run/secrets/sabot";
export function secretKeyPath(ref: { name: string; key: string }, root = SECRETS_DIR): string {
  return `${root}/${ref.name}/${ref.key}`;
}

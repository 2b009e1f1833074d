import { Type } from "@sinclair/typebox";

/**
 * How a job reaches a Kafka cluster: brokers and security, written once under
 * `spec.connections.<name>` and referred to by `connection: <name>` on a kafka source or sink, or
 * written on the source or sink itself. Secrets (passwords, tokens, keys) are never values in the
 * manifest, only references (SecretRef): the manifest is stored in the API server, echoed in
 * checkpoints and shown by `kubectl get -o yaml`, none of which is a place for a password.
 */

const Optional = Type.Optional;
const StringEnum = <T extends string[]>(values: [...T], description: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: values, description });

export const SecretKeyRef = Type.Object(
  {
    // Both become a path in the worker (<dir>/<name>/<key>): no "/", no leading "." (so no "..").
    name: Type.String({
      pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
      maxLength: 253,
      description: "Secret in the job's namespace.",
    }),
    key: Type.String({ pattern: "^[-_a-zA-Z0-9][-._a-zA-Z0-9]*$", maxLength: 253, description: "Key in the Secret." }),
  },
  {
    additionalProperties: false,
    description: "A key of a Kubernetes Secret, which the operator mounts into the workers.",
  },
);

/** Exactly one of its fields (checked by secretRefIssues). */
export const SecretRef = Type.Object(
  {
    secretKeyRef: Optional(SecretKeyRef),
    env: Optional(
      Type.String({
        pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
        description: "An environment variable of the worker (e.g. from spec.podTemplate envFrom).",
      }),
    ),
    file: Optional(Type.String({ minLength: 1, description: "A file path in the worker (e.g. a Secret you mount)." })),
  },
  { additionalProperties: false, description: "Where a secret value is read: exactly one of secretKeyRef, env, file." },
);

export const SaslMechanism = StringEnum(
  ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"],
  "SASL mechanism the brokers accept.",
);

export const KafkaSaslSpec = Type.Object(
  {
    mechanism: SaslMechanism,
    username: Optional(Type.String({ minLength: 1, description: "User name (not a secret); or usernameFrom." })),
    usernameFrom: Optional(SecretRef),
    passwordFrom: Optional(SecretRef),
    tokenFrom: Optional(SecretRef),
  },
  {
    additionalProperties: false,
    description:
      "PLAIN and SCRAM: username (or usernameFrom) and passwordFrom. OAUTHBEARER: tokenFrom, a file or variable holding the token, read again at each (re)authentication.",
  },
);

export const KafkaTlsSpec = Type.Object(
  {
    caFrom: Optional(SecretRef),
    certFrom: Optional(SecretRef),
    keyFrom: Optional(SecretRef),
  },
  {
    additionalProperties: false,
    description:
      "PEM certificates: caFrom (CA the brokers' certificates are checked against; default the system CAs), certFrom and keyFrom (a client certificate, for brokers that require one).",
  },
);

export const SecurityProtocol = StringEnum(
  ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
  "Kafka's security.protocol.",
);

export const KafkaSecuritySpec = Type.Object(
  {
    protocol: SecurityProtocol,
    sasl: Optional(KafkaSaslSpec),
    tls: Optional(KafkaTlsSpec),
  },
  { additionalProperties: false, description: "Encryption and authentication towards the brokers." },
);

const KafkaClient = StringEnum(
  ["kafkajs", "librdkafka", "native"],
  "Kafka client library; default the worker's SABOT_KAFKA_CLIENT, else the fastest client built: native for json and avro sources and at-least-once json and avro sinks, librdkafka for the rest (arrow, tables, exactly-once sinks), kafkajs where neither librdkafka client built (a warning at start says so). native: json and avro decoded and encoded by Sabot's own librdkafka addon (docs/kafka.md).",
);

export const KafkaConnectionSpec = Type.Object(
  {
    bootstrapServers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "host:port of brokers." }),
    security: Optional(KafkaSecuritySpec),
    client: Optional(KafkaClient),
  },
  {
    additionalProperties: false,
    description:
      "A Kafka cluster: brokers, security and client library, shared by the sources and sinks that name it (each may override any of them).",
  },
);

/** The fields a kafka source or sink takes to say how to connect (schema.ts spreads them in). */
export const kafkaConnectionFields = {
  connection: Optional(
    Type.String({ description: "Name of an entry of spec.connections: its brokers and security are used." }),
  ),
  bootstrapServers: Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: "host:port of brokers (required without `connection`; overrides the connection's).",
    }),
  ),
  security: Optional(KafkaSecuritySpec),
  // Overrides the connection's client, like bootstrapServers and security.
  client: Optional(KafkaClient),
};

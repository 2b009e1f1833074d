import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SECRETS_DIR, secretKeyPath } from "../../contract/spec/kafka-connection-rules.js";
import type { Logger } from "../../log.js";
import { type KafkaConnectionConfig, readSecret } from "./security.js";

/**
 * sabot_kafka.node (native/kafka): a librdkafka consumer that decodes json or avro messages into Arrow
 * column buffers on a worker thread, and the decoder alone. `npm run build:native` builds it where
 * the librdkafka client (@confluentinc/kafka-javascript) built at npm ci and simdjson is installed;
 * elsewhere a job choosing `client: native` fails at start with NativeKafkaUnavailableError.
 */

/** Bumped with native/kafka/addon.cc's kAbi. */
export const NATIVE_KAFKA_ABI = 6;

/** Column types of a decode plan (native/kafka/columns.h, ColType). */
export const NativeColType = { Int32: 0, Int64: 1, Float64: 2, Bool: 3, Utf8: 4, TimestampMs: 5 } as const;
export type NativeColType = (typeof NativeColType)[keyof typeof NativeColType];

export interface DecodePlan {
  names: string[];
  types: NativeColType[];
  nullable: boolean[];
  /** The name is an Object.prototype property: the reference decoder reads it when the field is missing. */
  inherited: boolean[];
  /** format avro: the schema fingerprint of runtime/formats/avro.ts's legacy `sabot.avro.schema` header; json without. */
  avroFingerprint?: string;
  /** format avro: the single-object marker and schema fingerprint (avroSingleObjectPrefix). */
  avroPrefix?: Uint8Array;
  /**
   * format arrow: no columns; every message comes back whole as a NativeRejected for arrow-js (a
   * message holds a whole IPC stream of many rows, so a Buffer per message costs little).
   */
  raw?: boolean;
}

/** One column's buffers: values (bool: a bitmap), utf8 offsets, and a validity bitmap when it has nulls. */
export interface NativeColumn {
  values: ArrayBuffer;
  offsets?: ArrayBuffer;
  validity?: ArrayBuffer;
  nullCount: number;
}

/** A message the native decoder did not turn into a row: the reference decoder gives its verdict. */
export interface NativeRejected {
  offset: number;
  /** Rows of its partition's batch before it. */
  row: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer][];
}

export interface NativePart {
  partition: number;
  lastOffset: number;
  rows: number;
  columns: NativeColumn[];
  rejected: NativeRejected[];
}

export interface NativePoll {
  parts: NativePart[];
  /** partition, position, partition, position, ...: librdkafka's positions after this poll. */
  positions: number[];
  logs: { level: number; facility: string; message: string }[];
  errors: string[];
  messages: number;
  bytes: number;
}

/** An opaque consumer handle. */
export type NativeConsumerHandle = { readonly __nativeConsumer: unique symbol };
/** An opaque producer handle. */
export type NativeProducerHandle = { readonly __nativeProducer: unique symbol };

/** Column kinds of the encoder (native/kafka/json_encoder.h, EncType). */
export const NativeEncType = { Int32: 0, Int64: 1, Float64: 2, Bool: 3, Utf8: 4, DictUtf8: 6 } as const;
export type NativeEncType = (typeof NativeEncType)[keyof typeof NativeEncType];

/** One column of a batch for the encoder: its Arrow buffers as arrow-js holds them. */
export interface NativeEncColumn {
  type: NativeEncType;
  /** `{"name":` for the first column, `,"name":` after. */
  prefix: string;
  /** Bit offset of the bitmaps (validity, bool values). */
  offset: number;
  /** Only when the column has nulls. */
  validity?: Uint8Array;
  values: Int32Array | BigInt64Array | Float64Array | Uint8Array;
  /** utf8: the column's offsets; dictionary: the dictionary's. */
  offsets?: Int32Array;
  data?: Uint8Array;
  dictLength: number;
}

/** The outcome of a producer call: the first error (delivery or produce), and librdkafka's log lines. */
export interface NativeSendResult {
  error: string | null;
  timedOut: boolean;
  logs: NativePoll["logs"];
}

export interface NativeKafkaAddon {
  abi: number;
  librdkafkaVersion: string;
  consumerNew(conf: string[], topic: string, plan: DecodePlan, maxRecordBytes: number): NativeConsumerHandle;
  consumerAssign(handle: NativeConsumerHandle, at: number[]): void;
  consumerPoll(
    handle: NativeConsumerHandle,
    maxMessages: number,
    maxBytes: number,
    timeoutMs: number,
  ): Promise<NativePoll>;
  consumerClose(handle: NativeConsumerHandle): Promise<null>;
  /** format avro: rows and keys as AvroEncoder writes them, each value after valuePrefix (the single-object prefix). */
  producerNew(
    conf: string[],
    topic: string,
    format?: "json" | "avro",
    options?: { valuePrefix?: Uint8Array },
  ): NativeProducerHandle;
  /** error "utf8": a string is not valid UTF-8, "range" (avro): a long beyond ±(2^53-2); nothing was sent. */
  producerSend(
    handle: NativeProducerHandle,
    args: { columns: NativeEncColumn[]; keys: NativeEncColumn[]; rows: number },
  ): Promise<NativeSendResult>;
  producerSendEncoded(
    handle: NativeProducerHandle,
    args: { data: Uint8Array; offsets: Int32Array; keyData?: Uint8Array; keyOffsets?: Int32Array; rows: number },
  ): Promise<NativeSendResult>;
  producerFlush(handle: NativeProducerHandle, timeoutMs: number): Promise<NativeSendResult>;
  producerClose(handle: NativeProducerHandle): Promise<NativeSendResult>;
  /** The encoder alone (tests): null when a string is not valid UTF-8. */
  encodeJson(args: { columns: NativeEncColumn[]; rows: number }): { data: Buffer; offsets: ArrayBuffer } | null;
  /** As encodeJson, as AvroEncoder writes (prefix before each record); null also when a long is beyond ±(2^53-2). */
  encodeAvro(args: { columns: NativeEncColumn[]; rows: number; prefix?: Uint8Array }): {
    data: Buffer;
    offsets: ArrayBuffer;
  } | null;
  decodeJson(
    plan: DecodePlan,
    data: Uint8Array,
    offsets: Int32Array,
  ): { rows: number; columns: NativeColumn[]; rejected: number[] };
  /** The avro decoder alone (tests, benchmark): the plan's avroPrefix is, its avroFingerprint (a header's) is not. */
  decodeAvro(
    plan: DecodePlan,
    data: Uint8Array,
    offsets: Int32Array,
  ): { rows: number; columns: NativeColumn[]; rejected: number[] };
}

/** librdkafka's log lines the addon handed over, into the job's log (syslog severities: 0-3 error, 4 warning). */
export function logNative(log: Logger, lines: NativePoll["logs"]): void {
  for (const e of lines) {
    if (e.level <= 3) log.error({ librdkafka: e.facility }, e.message);
    else if (e.level === 4) log.warn({ librdkafka: e.facility }, e.message);
    else log.debug({ librdkafka: e.facility }, e.message);
  }
}

/**
 * librdkafka properties as the addon takes them (name, value, name, value...). OAUTHBEARER's token
 * callback becomes where the addon reads the token: the variable's value, or the file (a mounted
 * Secret key or a file), read again at every refresh as the librdkafka path does.
 */
export function nativeConfList(
  conf: Record<string, string | number | boolean | ((...args: never[]) => unknown)>,
  connection: KafkaConnectionConfig,
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(conf)) {
    if (typeof v !== "function") out.push(k, String(v));
    else if (k === "oauthbearer_token_refresh_cb") out.push(...oauthToken(connection));
    else throw new Error(`${connection.label}: librdkafka property ${k} has no native counterpart`);
  }
  return out;
}

function oauthToken(connection: KafkaConnectionConfig): [string, string] {
  const ref = connection.security!.sasl!.tokenFrom!;
  // Read once now, so that a missing token fails at start with the librdkafka path's message.
  const token = readSecret(ref, "sasl.tokenFrom", connection.label, true);
  if (ref.env !== undefined) return ["sabot.oauthbearer.token", token];
  const path = ref.secretKeyRef
    ? secretKeyPath(ref.secretKeyRef, process.env.SABOT_SECRETS_DIR ?? SECRETS_DIR)
    : ref.file!;
  return ["sabot.oauthbearer.token.file", path];
}

/** A job chose `client: native` but sabot_kafka.node is missing, stale or does not load. */
export class NativeKafkaUnavailableError extends Error {
  constructor(why: string) {
    super(
      `kafka client "native" is not available on this machine: ${why}. It is built by \`npm run build:native\` where the ` +
        `librdkafka client built at npm ci (@confluentinc/kafka-javascript; see docs/kafka.md) and simdjson is installed ` +
        `(apt-get install libsimdjson-dev); or set kafka.client (or SABOT_KAFKA_CLIENT) to librdkafka or kafkajs`,
    );
    this.name = "NativeKafkaUnavailableError";
  }
}

/** Where build:native puts it, from the repository (tsx) or from dist/. */
export function nativeKafkaPath(): string {
  const candidates = ["../../../native/build/sabot_kafka.node", "../../../../native/build/sabot_kafka.node"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** Whether build:native made the addon (tests skip the native client where it did not). */
export function nativeKafkaBuilt(): boolean {
  return existsSync(process.env.SABOT_KAFKA_NATIVE_PATH ?? nativeKafkaPath());
}

let loaded: NativeKafkaAddon | Error | null = null;

/** The addon, loaded once; throws NativeKafkaUnavailableError saying what to do. */
export function nativeKafka(): NativeKafkaAddon {
  if (loaded === null) loaded = load(process.env.SABOT_KAFKA_NATIVE_PATH ?? nativeKafkaPath());
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

function load(path: string): NativeKafkaAddon | Error {
  if (!existsSync(path)) return new NativeKafkaUnavailableError(`${path} does not exist`);
  let addon: Partial<NativeKafkaAddon>;
  try {
    addon = createRequire(import.meta.url)(path) as Partial<NativeKafkaAddon>;
  } catch (err) {
    return new NativeKafkaUnavailableError(`${path} does not load (${(err as Error).message.split("\n")[0]})`);
  }
  if (addon.abi !== NATIVE_KAFKA_ABI)
    return new NativeKafkaUnavailableError(
      `${path} has ABI ${String(addon.abi)}, this engine needs ${NATIVE_KAFKA_ABI}`,
    );
  return addon as NativeKafkaAddon;
}

import { type Data, DataType, type Field, type RecordBatch, type Schema } from "apache-arrow";
import { avroSingleObjectPrefix } from "../../formats/avro.js";
import { StreamScratch } from "../../formats/ipc-stream.js";
import { columnsOf } from "../../types/column.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { KafkaSinkConfig } from "./config.js";
import type { KafkaSinkContext } from "./kafka-sink-base.js";
import {
  NativeEncType as E,
  logNative,
  type NativeEncColumn,
  type NativeKafkaAddon,
  type NativeProducerHandle,
  type NativeSendResult,
  nativeConfList,
  nativeKafka,
} from "./native-addon.js";
import { RdkafkaSink, rdkafkaProducerConf } from "./rdkafka-sink.js";

/** The encoder's kind of a column, or null when only JsonEncoder writes it. */
function encType(f: Field, col?: Data): (typeof E)[keyof typeof E] | null {
  const t = f.type;
  if (DataType.isDictionary(t)) return DataType.isUtf8(t.dictionary) ? E.DictUtf8 : null;
  if (DataType.isUtf8(t)) return E.Utf8;
  if (DataType.isBool(t)) return E.Bool;
  if (DataType.isFloat(t)) return t.precision === 2 ? E.Float64 : null;
  if (DataType.isTimestamp(t)) return col === undefined || col.values instanceof BigInt64Array ? E.Int64 : null;
  if (DataType.isInt(t) && t.isSigned) return t.bitWidth === 64 ? E.Int64 : t.bitWidth === 32 ? E.Int32 : null;
  return null;
}

/** Why a sink cannot run on the native client, or null when it can. */
export function nativeSinkUnsupported(config: KafkaSinkConfig, input: StreamInfo, exactlyOnce: boolean): string | null {
  if (config.format !== "json" && config.format !== "avro" && config.format !== "arrow")
    return `format ${config.format} (the native producer writes json, avro and arrow)`;
  if (exactlyOnce) return "exactly-once (transactions stay on the librdkafka binding's producer)";
  // arrow-js writes the IPC messages; the producer only queues them.
  if (config.format === "arrow") return null;
  const f = input.schema.fields.find((x) => encType(x) === null);
  return f ? `column "${f.name}" is ${String(f.type)}, which the native encoder does not write` : null;
}

/** Columns `idx` of a batch as the encoder reads them, prefixed as JsonEncoder does. */
export function encColumns(schema: Schema, batch: RecordBatch, idx: number[]): NativeEncColumn[] {
  const cols = columnsOf(batch);
  return idx.map((c, i) => {
    const col = cols[c];
    const f = schema.fields[c];
    const type = encType(f, col);
    if (type === null) throw new Error(`column "${f.name}" (${String(col.type)}) cannot be encoded natively`);
    const dict = type === E.DictUtf8 ? col.dictionary!.data[0] : null;
    return {
      type,
      prefix: `${i === 0 ? "{" : ","}${JSON.stringify(f.name)}:`,
      offset: col.offset,
      validity: col.nullCount > 0 && col.nullBitmap && col.nullBitmap.length > 0 ? col.nullBitmap : undefined,
      values: col.values as NativeEncColumn["values"],
      offsets: (dict ?? col).valueOffsets as Int32Array | undefined,
      data: dict ? (dict.values as Uint8Array) : type === E.Utf8 ? (col.values as Uint8Array) : undefined,
      dictLength: dict ? dict.length : 0,
    };
  });
}

/** Messages as one buffer and offsets (one message, the usual arrow case, without a copy). */
function joined(messages: Uint8Array[]): { data: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(messages.length + 1);
  for (let i = 0; i < messages.length; i++) offsets[i + 1] = offsets[i] + messages[i].length;
  return { data: messages.length === 1 ? messages[0] : Buffer.concat(messages), offsets };
}

/**
 * The Kafka sink on the native client, at least once, json, avro or arrow (arrow: the IPC messages
 * of kafka-sink-base.ts's split, queued as they are). json and avro: each batch is one call to
 * sabot_kafka.node, which encodes its rows as JsonEncoder or AvroEncoder does (tested byte for
 * byte; avro single-object encoded), and queues them in its own librdkafka producer on a worker
 * thread, a chunk of rows per produce_batch call. The librdkafka sink under it connects
 * first (its error messages, the topic check) and is otherwise idle; exactly-once sinks and other
 * formats use the librdkafka sink itself (index.ts).
 */
export class NativeKafkaSink extends RdkafkaSink {
  private readonly addon: NativeKafkaAddon;
  private handle: NativeProducerHandle | null;
  private readonly all: number[];
  private readonly keyIdx: number[];
  /** format arrow: where a batch's one message is written (see writeArrow). */
  private readonly scratch = new StreamScratch();

  constructor(
    config: KafkaSinkConfig,
    private readonly input: StreamInfo,
    ctx: KafkaSinkContext,
  ) {
    // A missing or stale addon fails the job here, at start, before any client is made.
    const addon = nativeKafka();
    super(config, input, ctx);
    this.addon = addon;
    this.handle = null;
    this.all = input.schema.fields.map((_, i) => i);
    this.keyIdx = config.keyColumns.map((k) => input.schema.fields.findIndex((f) => f.name === k));
  }

  override async open(): Promise<void> {
    await super.open();
    const id = `sabot-${this.ctx.jobName}-${this.ctx.name}-${this.ctx.subtask}`;
    const format = this.config.format === "avro" ? "avro" : "json";
    this.handle = this.addon.producerNew(
      nativeConfList(rdkafkaProducerConf(this.config, id), this.config.connection),
      this.config.topic,
      format,
      format === "avro" ? { valuePrefix: avroSingleObjectPrefix(this.input.schema) } : {},
    );
  }

  override async write(batch: RecordBatch): Promise<void> {
    if (!(await this.admit(batch))) return;
    if (this.config.format === "arrow") return this.writeArrow(batch);
    const schema = this.input.schema;
    let res = await this.addon.producerSend(this.handle!, {
      columns: encColumns(schema, batch, this.all),
      keys: this.keyIdx.length > 0 ? encColumns(schema, batch, this.keyIdx) : [],
      rows: batch.numRows,
    });
    // A string that is not valid UTF-8: the JS encoder writes what Buffer.toString makes of it; a
    // long beyond ±(2^53-2) (avro): AvroEncoder throws the error that names the row.
    if (res.error === "utf8" || res.error === "range") {
      const values = joined(this.encoder.encode(batch));
      const keys = this.keys ? joined(this.keys(batch)) : null;
      res = await this.addon.producerSendEncoded(this.handle!, {
        ...values,
        ...(keys ? { keyData: keys.data, keyOffsets: keys.offsets } : {}),
        rows: batch.numRows,
      });
    }
    this.check(res);
  }

  /**
   * One message, the usual case (a batch without dictionary columns that fits maxMessageBytes), is
   * written into the reused scratch buffer, which the send has copied when it resolves; others are
   * split and encoded as on the other clients (arrowMessages, kafka-sink-base.ts).
   */
  private async writeArrow(batch: RecordBatch): Promise<void> {
    const one = this.scratch.write(batch);
    const messages = one !== null && one.byteLength <= this.config.maxMessageBytes ? [one] : this.arrowMessages(batch);
    this.check(await this.addon.producerSendEncoded(this.handle!, { ...joined(messages), rows: messages.length }));
  }

  private check(res: NativeSendResult): void {
    logNative(this.ctx.log, res.logs);
    if (res.error) this.fail(new Error(`writing to kafka topic "${this.config.topic}" failed: ${res.error}`));
    if (this.failure) throw this.failure;
  }

  override async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    for (;;) {
      if (!this.handle) break;
      const res = await this.addon.producerFlush(this.handle, 1000);
      this.check(res);
      if (!res.timedOut) break;
    }
    await super.flush();
  }

  private async closeNative(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) this.check(await this.addon.producerClose(h));
  }

  override async abort(): Promise<void> {
    await this.closeNative().catch(() => {});
    await super.abort();
  }

  override async close(): Promise<void> {
    try {
      await this.flush();
      await this.closeNative();
    } finally {
      await super.close();
    }
  }
}

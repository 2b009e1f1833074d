import type { RecordBatch } from "apache-arrow";
import { avroFingerprint, avroSingleObjectPrefix } from "../../formats/avro.js";
import { createDecoder, type Decoder } from "../../formats/index.js";
import { concatData, takeBatch } from "../../kernels/take.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import type { ConnectorContext } from "../connector.js";
import { ConnectorConfigError } from "../errors.js";
import type { FetchedMessage } from "./client.js";
import type { KafkaSourceConfig } from "./config.js";
import type { DecodedRun } from "./decode-messages.js";
import {
  type DecodePlan,
  logNative,
  type NativeConsumerHandle,
  type NativeKafkaAddon,
  type NativePart,
  type NativePoll,
  type NativeRejected,
  nativeConfList,
  nativeKafka,
} from "./native-addon.js";
import { decodePlan, nativeBatch } from "./native-plan.js";
import { partitionNext, RdkafkaSource, rdkafkaConsumerConf } from "./rdkafka-source.js";

/** Messages one poll may take: a whole fetch's worth at small sizes (bytes bound it first). */
const POLL_MESSAGES = 100_000;

/** Why a source cannot run on the native client (format, table, column types), or null when it can. */
export function nativeUnsupported(config: KafkaSourceConfig): string | null {
  if (config.format !== "json" && config.format !== "avro" && config.format !== "arrow")
    return `format ${config.format} (the native consumer reads json, avro and arrow)`;
  if (config.tableKey) return "a table (tombstones are deletes; the native decoder reads streams)";
  const plan = sourcePlan(config);
  return typeof plan === "string" ? plan : null;
}

/** arrow: whole messages for arrow-js (any column type); json and avro: the native decoder's plan. */
function sourcePlan(config: KafkaSourceConfig): DecodePlan | string {
  if (config.format === "arrow") return { names: [], types: [], nullable: [], inherited: [], raw: true };
  const plan = decodePlan(config.schema);
  if (typeof plan !== "string" && config.format === "avro") {
    plan.avroFingerprint = avroFingerprint(config.schema);
    plan.avroPrefix = avroSingleObjectPrefix(config.schema);
  }
  return plan;
}

/** The consumer properties as the addon takes them. */
function nativeConf(config: KafkaSourceConfig, clientId: string): string[] {
  return nativeConfList(
    {
      ...rdkafkaConsumerConf(config, clientId),
      "auto.offset.reset": config.startingOffsets === "latest" ? "latest" : "earliest",
    },
    config.connection,
  );
}

/**
 * The Kafka source on the native client: the librdkafka source's connection, partitions, start
 * offsets, lag and commits (its binding's consumer stays for those), with the fetching and json
 * decoding (json or avro) done by sabot_kafka.node's own consumer on a worker thread. A poll hands
 * back, per partition, Arrow column buffers and the messages the native decoder did not turn into
 * rows; json.ts or avro.ts (the reference) decides each of those, so a row both accept is the only thing that can
 * differ, and the tests compare those values.
 */
export class NativeKafkaSource extends RdkafkaSource {
  private readonly addon: NativeKafkaAddon;
  private readonly plan: DecodePlan;
  private readonly reference: Decoder;
  private handle: NativeConsumerHandle | null;

  constructor(config: KafkaSourceConfig, ctx: ConnectorContext) {
    // A missing or stale addon fails the job here, at start, before any client is made.
    const addon = nativeKafka();
    super(config, ctx);
    this.addon = addon;
    this.handle = null;
    const plan = sourcePlan(config);
    if (typeof plan === "string") throw new ConnectorConfigError(`kafka client "native": ${plan}`);
    this.plan = plan;
    this.reference = createDecoder(config.format, config.schema);
  }

  protected override get clientName(): string {
    return "native";
  }

  protected override assignPartitions(start: Map<number, number>): void {
    this.handle ??= this.addon.consumerNew(
      nativeConf(this.config, this.clientId),
      this.config.topic,
      this.plan,
      this.config.maxRecordBytes,
    );
    this.addon.consumerAssign(
      this.handle,
      this.mine.flatMap((p) => [p, start.get(p)!]),
    );
  }

  protected override async fetchLoop(): Promise<void> {
    let failures = 0;
    const maxBytes = Math.min(this.config.fetchMaxBytes, this.config.partitionMaxBytes * Math.max(1, this.mine.length));
    while (this.handle && (await this.queue.room(this.config.bufferBatches))) {
      try {
        const res = await this.addon.consumerPoll(this.handle, POLL_MESSAGES, maxBytes, this.config.fetchMaxWaitMs);
        this.forward(res);
        if (this.closed) break;
        await this.takeNative(res);
        failures = 0;
      } catch (err) {
        if (this.closed) break;
        this.ctx.log.error({ err }, "kafka native poll failed; reading again from the positions queued");
        this.reassignTaken();
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures++)));
      }
    }
  }

  /** librdkafka's log lines and consume errors of the poll, into the job's log. */
  private forward(res: NativePoll): void {
    logNative(this.ctx.log, res.logs);
    for (const e of res.errors) this.ctx.log.warn({ error: e }, "kafka consume error");
  }

  /** One decoded run per partition that moved, in the order of this subtask's partitions. */
  private async takeNative(res: NativePoll): Promise<void> {
    const parts = new Map(res.parts.map((p) => [p.partition, p]));
    const positions = new Map<number, number>();
    for (let i = 0; i < res.positions.length; i += 2) positions.set(res.positions[i], res.positions[i + 1]);
    for (const p of this.mine) {
      const part = parts.get(p);
      const next = partitionNext(part?.lastOffset, positions.get(p));
      if (next <= this.taken.get(p)!) continue;
      this.queue.push(await this.run(p, part, String(next)));
      this.taken.set(p, next);
    }
  }

  private async run(split: number, part: NativePart | undefined, next: string): Promise<DecodedRun> {
    // arrow: every message whole, through the librdkafka source's path (size, tombstones, dead letters, arrow.ts).
    if (this.plan.raw) return this.decoder.decode(split, (part?.rejected ?? []).map(fetched), next);
    const run: DecodedRun = { split, batches: [], next };
    if (!part) return run;
    let batch = nativeBatch(this.config.schema, this.plan, part.columns, part.rows);
    if (part.rejected.length > 0) batch = await this.settle(split, batch, part.rejected, next);
    if (batch.numRows > 0) run.batches.push({ batch, next });
    return run;
  }

  /**
   * The reference decoder's verdict on the messages the native one left: its rows go back in
   * their places; the rest go through the PartitionDecoder (size check, tombstone and decode
   * details, metrics, the dead-letter topic) before the run is queued.
   */
  private async settle(
    split: number,
    batch: RecordBatch,
    rejected: NativeRejected[],
    next: string,
  ): Promise<RecordBatch> {
    const res = settleRejected(batch, rejected, this.reference, this.config.maxRecordBytes);
    if (res.bad.length > 0) await this.decoder.decode(split, res.bad.map(fetched), next);
    return res.batch;
  }

  protected override async disconnect(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await this.addon.consumerClose(h).catch(() => {});
    await super.disconnect();
  }
}

/**
 * The native batch with the rows the reference decoder makes of the rejected messages put back in
 * their places, and the messages it refuses too (over maxRecordBytes, tombstones, bad json or
 * avro, avro written with another schema).
 */
export function settleRejected<
  R extends Pick<NativeRejected, "row" | "key" | "value"> & { headers?: NativeRejected["headers"] },
>(batch: RecordBatch, rejected: R[], reference: Decoder, maxRecordBytes: number): { batch: RecordBatch; bad: R[] } {
  const rescued: { row: number; batch: RecordBatch }[] = [];
  const bad: R[] = [];
  for (const r of rejected) {
    const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
    const headerOk = !reference.checkHeaders || reference.checkHeaders(headerMap(r.headers)) === null;
    const res = r.value !== null && size <= maxRecordBytes && headerOk ? reference.decode([r.value]) : null;
    if (res && res.batches.length > 0) rescued.push({ row: r.row, batch: res.batches[0] });
    else bad.push(r);
  }
  return { batch: rescued.length === 0 ? batch : splice(batch, rescued), bad };
}

/** The message as the dead-letter path and header checks take it. */
function fetched(r: NativeRejected): FetchedMessage {
  return {
    offset: String(r.offset),
    key: r.key,
    value: r.value,
    timestamp: String(r.timestamp),
    headers: headerMap(r.headers),
  };
}

/** Headers as the decoders take them (the last of a repeated name wins). */
function headerMap(list: NativeRejected["headers"] | undefined): FetchedMessage["headers"] {
  if (!list || list.length === 0) return undefined;
  const headers: NonNullable<FetchedMessage["headers"]> = {};
  for (const [k, v] of list) headers[k] = v;
  return headers;
}

/** The native rows with the reference's rows inserted before native row `row` (rare: copies). */
function splice(batch: RecordBatch, rescued: { row: number; batch: RecordBatch }[]): RecordBatch {
  const pieces: RecordBatch[] = [];
  let at = 0;
  const range = (from: number, to: number) => {
    if (to <= from) return;
    const idx = new Int32Array(to - from);
    for (let i = 0; i < idx.length; i++) idx[i] = from + i;
    pieces.push(takeBatch(batch, idx));
  };
  for (const r of rescued) {
    range(at, r.row);
    pieces.push(r.batch);
    at = r.row;
  }
  range(at, batch.numRows);
  const n = pieces.reduce((s, p) => s + p.numRows, 0);
  const columns = batch.schema.fields.map((_, c) => concatData(pieces.map((p) => columnsOf(p)[c])));
  return makeBatch(batch.schema, columns, n);
}

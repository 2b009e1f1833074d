import type { RecordBatch } from "apache-arrow";
import { createEncoder, createKeyEncoder, type Encoder } from "../../formats/index.js";
import type { StreamInfo } from "../../types/stream-info.js";
import type { ConnectorContext, Sink } from "../connector.js";
import { TwoPhaseSink } from "../two-phase-sink.js";
import type { CheckpointTransactions } from "./checkpoint-transactions.js";
import type { KafkaSinkConfig } from "./config.js";

export type KafkaSinkContext = Pick<ConnectorContext, "jobName" | "name" | "subtask" | "log" | "exactlyOnce">;

/** The producer's client id, and its transactional id in exactly-once mode. */
export function sinkClientId(ctx: KafkaSinkContext): string {
  return `sabot-${ctx.jobName}-${ctx.name}-${ctx.subtask}`;
}

/**
 * What the two Kafka sinks (kafkajs: sink.ts, librdkafka: rdkafka-sink.ts) share: encoding (json/avro
 * one message per row, keyed by the key columns; arrow one message per batch, split in halves until
 * each fits maxMessageBytes), the first sink failure, and in exactly-once mode the two-phase-commit
 * wiring around a client's CheckpointTransactions and the rows of its open transaction.
 */
export abstract class KafkaSinkBase<T extends CheckpointTransactions> extends TwoPhaseSink implements Sink {
  protected readonly encoder: Encoder;
  protected readonly keys: ((batch: RecordBatch) => Buffer[]) | null;
  protected failure: Error | null = null;
  /** Exactly-once: the rows in the open transaction (what preparedOutput hands over). */
  private txnRows: RecordBatch[] = [];
  private preparedRows: RecordBatch[] = [];

  constructor(
    protected readonly config: KafkaSinkConfig,
    input: StreamInfo,
    protected readonly ctx: KafkaSinkContext,
    protected readonly eos: T | null,
  ) {
    super();
    if (eos) this.twoPhase(eos);
    this.encoder = createEncoder(config.format, input.schema);
    this.keys =
      config.keyColumns.length > 0 && config.format !== "arrow"
        ? createKeyEncoder(config.format, input.schema, config.keyColumns)
        : null;
  }

  abstract open(): Promise<void>;
  abstract write(batch: RecordBatch): Promise<void>;
  abstract flush(): Promise<void>;
  abstract abort(): Promise<void>;
  abstract close(): Promise<void>;

  protected fail(err: Error): void {
    this.failure ??= err;
  }

  /** Start of abort(): later writes fail; the open transaction is left to be fenced. */
  protected markAborted(): void {
    this.ctx.log.info("kafka sink aborted: its open transaction is left to be fenced");
    this.fail(new Error("the sink was aborted"));
  }

  /**
   * Start of every write: throws a recorded failure; false for an empty batch. Rows after a
   * prepared checkpoint's cut wait for its commit: they belong to the next transaction.
   */
  protected async admit(batch: RecordBatch): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (batch.numRows === 0) return false;
    await this.eos?.gate;
    if (this.eos) this.txnRows.push(batch);
    return true;
  }

  protected arrowMessages(batch: RecordBatch): Buffer[] {
    const [m] = this.encoder.encode(batch);
    if (m.length <= this.config.maxMessageBytes || batch.numRows === 1) return [m];
    const half = Math.ceil(batch.numRows / 2);
    return [...this.arrowMessages(batch.slice(0, half)), ...this.arrowMessages(batch.slice(half))];
  }

  /** Rows of the open transaction, for the log line of a commit. */
  protected txnRowCount(): number {
    return this.txnRows.reduce((s, b) => s + b.numRows, 0);
  }

  private twoPhase(eos: T): void {
    this.prepareCheckpoint = async (id) => {
      await this.flush();
      eos.prepare(id);
      // A copy: rows admitted once the commit opens the gate belong to the next transaction.
      this.preparedRows = this.txnRows.slice();
    };
    this.preparedOutput = () => this.preparedRows;
    this.recommit = async (id, rows) => {
      for (const b of rows) await this.write(b);
      await this.prepareCheckpoint!(id);
      await this.commitCheckpoint!(id);
    };
    this.commitCheckpoint = async (id) => {
      try {
        await eos.commit(id);
        const rows = this.preparedRows.reduce((n, b) => n + b.numRows, 0);
        this.ctx.log.info({ checkpoint: id, rows }, "kafka transaction committed");
        // A write waiting at the gate may have run before this line (the gate opens inside
        // commit()): its rows are the next transaction's and must stay listed for the next cut,
        // or a recommit after a crash would leave them out.
        this.txnRows = this.txnRows.slice(this.preparedRows.length);
        this.preparedRows = [];
      } catch (err) {
        const msg = `committing checkpoint ${id}'s transaction to kafka topic "${this.config.topic}" failed`;
        this.fail(new Error(`${msg}: ${(err as Error).message}`, { cause: err }));
        throw this.failure;
      }
    };
    this.checkpointFailed = (id) => eos.failed(id);
    // Read afresh: a marker committed by a crashed producer may become readable a little later.
    this.committedCheckpoint = async () => (eos.committed = await eos.readMarker());
  }
}

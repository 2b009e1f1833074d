import { createDecoder, type Decoder } from "../../formats/index.js";
import type { ConnectorContext } from "../connector.js";
import type { FetchedMessage } from "./client.js";
import { kafkaClient } from "./client.js";
import type { KafkaSourceConfig } from "./config.js";
import { DeadLetters, withinSize } from "./dead-letters.js";
import { type BadItem, type DecodedRun, decodeMessages } from "./decode-messages.js";
import { TombstoneDecoder } from "./tombstones.js";

/**
 * Turns one partition's fetched messages into a decoded run, on either client: oversized records
 * (maxRecordBytes) are set aside before any decoder sees them, a table's tombstones become
 * deletes, and every bad message is dead-lettered (acknowledged) before the run is handed on, so
 * the source's position only passes a bad message once it is safe.
 */
export class PartitionDecoder {
  private readonly decoder: Decoder;
  /** A table's tombstones (null values) become deletes of their keys; null when not a table. */
  private readonly tombstones: TombstoneDecoder | null;
  private readonly deadLetters: DeadLetters;
  private readonly decodeSeconds: { inc(seconds: number): void };

  constructor(
    private readonly config: KafkaSourceConfig,
    ctx: ConnectorContext,
    clientId: string,
  ) {
    this.decoder = createDecoder(config.format, config.schema);
    this.tombstones = config.tableKey ? new TombstoneDecoder(config.schema, config.tableKey, config.format) : null;
    this.deadLetters = new DeadLetters(
      ctx,
      config.deadLetterTopic,
      kafkaClient(config.connection, `${clientId}-dlq`, ctx.log),
    );
    this.decodeSeconds = ctx.metrics.sourceBusySeconds.labels({ ...ctx.labels, source: ctx.name });
  }

  open(): Promise<void> {
    return this.deadLetters.open();
  }

  /** `next` is the partition's position after these messages (past filtered ones too). */
  async decode(split: number, messages: FetchedMessage[], next: string): Promise<DecodedRun> {
    const run: DecodedRun = { split, batches: [], next };
    if (messages.length === 0) return run;
    // Decoding runs on the subtask's event loop but outside its busy time: the autoscaler adds it.
    const t0 = performance.now();
    const bad: BadItem[] = [];
    const fetched = withinSize(messages, this.config.maxRecordBytes, bad);
    decodeMessages(this.decoder, this.tombstones, run, fetched, bad);
    bad.sort((a, b) => (BigInt(a.message.offset) < BigInt(b.message.offset) ? -1 : 1));
    await this.deadLetters.report(this.config.topic, split, bad);
    this.decodeSeconds.inc((performance.now() - t0) / 1000);
    return run;
  }

  close(): Promise<void> {
    return this.deadLetters.close();
  }
}

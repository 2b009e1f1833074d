import type { IHeaders, Kafka, Message, Producer } from "kafkajs";
import type { BadMessage } from "../../formats/format.js";
import type { Logger } from "../../log.js";
import type { ConnectorContext } from "../connector.js";
import type { FetchedMessage } from "./client.js";

/** Headers a dead-letter record carries besides the original message's own. */
export const DLQ_HEADERS = {
  reason: "sabot.error.reason",
  detail: "sabot.error.detail",
  topic: "sabot.source.topic",
  partition: "sabot.source.partition",
  offset: "sabot.source.offset",
  timestamp: "sabot.source.timestamp",
  job: "sabot.job",
  source: "sabot.source",
} as const;

/**
 * Messages of at most `maxBytes` (key + value); each larger one goes to `bad` as oversized, so a
 * record of hundreds of megabytes is never handed to a decoder (a JSON parse or an Arrow read of
 * it would hold the subtask and its memory).
 */
export function withinSize(
  messages: FetchedMessage[],
  maxBytes: number,
  bad: { message: FetchedMessage; bad: BadMessage }[],
): FetchedMessage[] {
  const sizeOf = (m: FetchedMessage) => (m.key?.length ?? 0) + (m.value?.length ?? 0);
  if (!messages.some((m) => sizeOf(m) > maxBytes)) return messages;
  return messages.filter((m, index) => {
    const size = sizeOf(m);
    if (size <= maxBytes) return true;
    const detail = `record of ${size} bytes (key + value) is over the source's maxRecordBytes of ${maxBytes}`;
    bad.push({ message: m, bad: { index, reason: "oversized", detail } });
    return false;
  });
}

/** Individually logged bad messages per window; beyond that one summary line per window. */
const LOG_LIMIT = 100;
const LOG_WINDOW_MS = 10_000;

/**
 * Where undecodable messages go: every one is counted (sabot_source_bad_records_total{reason}),
 * logged with its topic/partition/offset (up to 100 lines per 10 s, then a count) and, when a
 * dead-letter topic is set, produced there with its original key, value and headers plus the
 * error and origin as headers. report() resolves once the dead-letter topic has acknowledged, so
 * the source only moves its position past a bad message once that message is safe.
 */
export class DeadLetters {
  private producer: Producer | null = null;
  private logged = 0;
  private suppressed = 0;
  private windowStart = 0;

  constructor(
    private readonly ctx: Pick<ConnectorContext, "jobName" | "name" | "metrics" | "log">,
    private readonly topic: string | null,
    private readonly kafka: Kafka,
  ) {}

  async open(): Promise<void> {
    if (!this.topic) return;
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = null;
  }

  async report(topic: string, partition: number, items: { message: FetchedMessage; bad: BadMessage }[]): Promise<void> {
    if (items.length === 0) return;
    for (const { message, bad } of items) {
      this.ctx.metrics.badRecords.inc({ job_name: this.ctx.jobName, source: this.ctx.name, topic, reason: bad.reason });
      this.logOne(this.ctx.log, { topic, partition, offset: message.offset, reason: bad.reason, detail: bad.detail });
    }
    if (!this.producer || !this.topic) return;
    const messages: Message[] = items.map(({ message, bad }) => ({
      key: message.key,
      value: message.value,
      headers: {
        ...(message.headers as IHeaders | undefined),
        [DLQ_HEADERS.reason]: bad.reason,
        [DLQ_HEADERS.detail]: bad.detail,
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: String(partition),
        [DLQ_HEADERS.offset]: message.offset,
        [DLQ_HEADERS.timestamp]: message.timestamp,
        [DLQ_HEADERS.job]: this.ctx.jobName,
        [DLQ_HEADERS.source]: this.ctx.name,
      },
    }));
    await this.producer.send({ topic: this.topic, messages, acks: -1 });
  }

  private logOne(log: Logger, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.windowStart >= LOG_WINDOW_MS) {
      if (this.suppressed > 0)
        log.warn(
          { suppressed: this.suppressed },
          "more bad messages were not logged one by one (see sabot_source_bad_records_total)",
        );
      this.windowStart = now;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged++ < LOG_LIMIT)
      log.warn({ ...fields, deadLetterTopic: this.topic ?? undefined }, "bad message: cannot be decoded");
    else this.suppressed++;
  }
}

import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import type { ConnectorContext } from "../../../../runtime/connectors/connector.js";
import type { KafkaClientKind } from "../../../../runtime/connectors/kafka/config.js";
import type { EngineMetrics } from "../../../../runtime/metrics/metrics.js";
import { testConnectorContext } from "../../../helpers/connector-context.js";

export { createTopic, readTopic, testKafka } from "../../../helpers/kafka.js";

/** Log lines a connector wrote, as parsed JSON. */
export interface CapturedLog {
  lines: Record<string, unknown>[];
}

export function connectorContext(
  name: string,
  subtask = 0,
  parallelism = 1,
): ConnectorContext & { captured: CapturedLog; metrics: EngineMetrics } {
  const captured: CapturedLog = { lines: [] };
  const log = pino(
    { level: "debug" },
    { write: (s: string) => captured.lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { ...testConnectorContext("it", name, log, subtask, parallelism), captured };
}

/** Reads `rows` rows from a source (failing after timeoutMs). */
export async function readRows<S extends { next(): Promise<{ batch: { numRows: number } } | null> }>(
  source: S,
  rows: number,
  timeoutMs = 30_000,
): Promise<Awaited<ReturnType<S["next"]>>[]> {
  const got: Awaited<ReturnType<S["next"]>>[] = [];
  let n = 0;
  const deadline = Date.now() + timeoutMs;
  while (n < rows) {
    const next = await Promise.race([
      source.next(),
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), Math.max(1, deadline - Date.now()))),
    ]);
    if (next === "timeout") throw new Error(`read ${n} of ${rows} rows before the timeout`);
    if (next === null) throw new Error(`source ended after ${n} of ${rows} rows`);
    got.push(next as Awaited<ReturnType<S["next"]>>);
    n += next.batch.numRows;
  }
  return got;
}

/** Both Kafka clients, for tests that must hold on each (describe.each). */
export const KAFKA_CLIENTS: KafkaClientKind[] = ["kafkajs", "librdkafka"];

/** Within a describe block: configs made there name `client` (SABOT_KAFKA_CLIENT, as a worker reads it). */
export function useKafkaClient(client: KafkaClientKind): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.SABOT_KAFKA_CLIENT;
    process.env.SABOT_KAFKA_CLIENT = client;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.SABOT_KAFKA_CLIENT;
    else process.env.SABOT_KAFKA_CLIENT = before;
  });
}

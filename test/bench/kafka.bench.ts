import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../env/lib/cache.js";
import { stopServer } from "../env/lib/process.js";
import { startKafka } from "../env/services/kafka.js";
import { fmt, runCase, table } from "./run-case.js";

interface KafkaResult {
  format: string;
  client: string;
  events: number;
  producePerSec: number;
  producePerCpuSec: number;
  readPerSec: number;
  readPerCpuSec: number;
  pipelinePerSec: number;
  pipelinePerCpuSec: number;
  peakRssMiB: number;
}

/** Issue 15's targets for end-to-end q1, events per second per core. */
const TARGETS: Record<string, number> = { json: 500_000, avro: 500_000, arrow: 3_000_000 };
const CLIENTS = ["kafkajs", "librdkafka", "native"];

/**
 * q1 with a real Kafka source and sink (a broker of the test environment's kind), per format and
 * per client side by side: wall rate, rate per CPU-second of the job's process (its "core"), and
 * the ratio of the latter to the target; and the source alone (fetch + decode into record batches,
 * "read"). SABOT_BENCH_KAFKA_CLIENTS=kafkajs,librdkafka,native picks clients; SABOT_BENCH_DICTIONARY=1
 * has q1's source declare the string columns as dictionaries, as the arrow load writes them (kafka-case.ts).
 */
export async function kafkaBench(events: Record<string, number>): Promise<void> {
  const clients = process.env.SABOT_BENCH_KAFKA_CLIENTS?.split(",") ?? CLIENTS;
  const runDir = mkdtempSync(join(cacheDir("runs"), "bench-"));
  const logDir = join(runDir, "logs");
  mkdirSync(logDir);
  const { kafka, processes } = await startKafka({ runDir, logDir });
  try {
    const rows = Object.entries(events).flatMap(([format, n]) =>
      clients.map((client) => {
        let r: KafkaResult;
        try {
          r = runCase<KafkaResult>("./kafka-case.ts", [format, String(n), kafka.brokers.join(","), client]);
        } catch (err) {
          // One client failing a format (kafkajs: arrow batches over the broker's message limit) leaves the other rows.
          const why =
            String((err as Error).message)
              .split("\n")
              .find((l) => /Error:/.test(l)) ?? "failed";
          return [format, client, fmt(n), "failed", "", "", "", "", "", why.trim().slice(0, 100), ""];
        }
        const ratio = r.pipelinePerCpuSec / TARGETS[format];
        return [
          format,
          client,
          fmt(r.events),
          fmt(r.producePerSec),
          fmt(r.producePerCpuSec),
          fmt(r.readPerSec),
          fmt(r.readPerCpuSec),
          fmt(r.pipelinePerSec),
          fmt(r.pipelinePerCpuSec),
          `${ratio.toFixed(2)}× of ${fmt(TARGETS[format])}`,
          r.peakRssMiB.toFixed(0),
        ];
      }),
    );
    console.log(
      "\nNexmark q1 through Kafka (one broker on loopback, 4 partitions): events/s wall and per CPU-second of the job's process",
    );
    console.log(
      table(
        [
          "format",
          "client",
          "events",
          "load/s",
          "load/cpu-s",
          "read/s",
          "read/cpu-s",
          "q1/s",
          "q1/cpu-s",
          "q1 per core vs target",
          "peak MiB",
        ],
        rows,
      ),
    );
  } finally {
    for (const p of processes) await stopServer(p);
    rmSync(runDir, { recursive: true, force: true });
  }
}

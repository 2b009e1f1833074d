import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../env/lib/cache.js";
import { stopServer } from "../env/lib/process.js";
import { startKafka } from "../env/services/kafka.js";
import { fmt, runCase, table } from "./run-case.js";

interface KafkaResult {
  format: string;
  events: number;
  producePerSec: number;
  pipelinePerSec: number;
  peakRssMiB: number;
}

/** q1 with a real Kafka source and sink (the test environment's broker), json vs. arrow. */
export async function kafkaBench(events: Record<string, number>): Promise<void> {
  const runDir = mkdtempSync(join(cacheDir("runs"), "bench-"));
  const logDir = join(runDir, "logs");
  mkdirSync(logDir);
  const { kafka, processes } = await startKafka({ runDir, logDir });
  try {
    const rows = Object.entries(events).map(([format, n]) => {
      const r = runCase<KafkaResult>("./kafka-case.ts", [format, String(n), kafka.brokers.join(",")]);
      return [format, fmt(r.events), fmt(r.producePerSec), fmt(r.pipelinePerSec), r.peakRssMiB.toFixed(0)];
    });
    console.log("\nNexmark q1 through Kafka (one broker on loopback, 4 partitions), events/s on one core");
    console.log(table(["format", "events", "load (gen→kafka)", "kafka→q1→kafka", "peak MiB"], rows));
  } finally {
    for (const p of processes) await stopServer(p);
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * `sabot worker` for tests and benchmarks, with sink hooks set by environment variables:
 * - SABOT_TEST_SINK=discard: every sink only counts rows (no output);
 * - SABOT_TEST_SINK_ROWS_PER_SEC=n: every sink writes at most n rows per second (a slow sink).
 */
import type { RecordBatch } from "apache-arrow";
import type { Sink } from "../../../runtime/connectors/connector.js";
import { createSink } from "../../../runtime/connectors/registry.js";
import { workerConfig } from "../../../runtime/distributed/config.js";
import { Worker } from "../../../runtime/distributed/worker/worker.js";
import { tuneCollectorForJobs } from "../../../runtime/engine/collector-tuning.js";

class DiscardSink implements Sink {
  async open(): Promise<void> {}
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Holds each write until the sink's rate allows it, like a slow downstream system. */
class ThrottledSink implements Sink {
  private readonly started = performance.now();
  private rows = 0;
  constructor(
    private readonly inner: Sink,
    private readonly rowsPerSec: number,
  ) {}
  open(): Promise<void> {
    return this.inner.open();
  }
  async write(batch: RecordBatch): Promise<void> {
    this.rows += batch.numRows;
    const due = this.started + (this.rows / this.rowsPerSec) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await this.inner.write(batch);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

// As `sabot worker` does before it runs a job.
tuneCollectorForJobs();
const discard = process.env.SABOT_TEST_SINK === "discard";
const rate = Number(process.env.SABOT_TEST_SINK_ROWS_PER_SEC ?? 0);
const worker = new Worker(workerConfig(), {
  sinkFactory: (node, ctx) => {
    const sink = discard ? new DiscardSink() : createSink(node.spec, node.info, ctx);
    return rate > 0 ? new ThrottledSink(sink, rate) : sink;
  },
});
process.once("SIGTERM", () => worker.terminate());
process.once("SIGINT", () => worker.terminate());
await worker.start();

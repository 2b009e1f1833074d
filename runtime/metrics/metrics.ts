import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { type GpuBatchSource, processGpuBatches } from "../kernels/gpu-kernels.js";
import { gpuChoice, kernelChoice } from "../kernels/native.js";

/**
 * Every metric a worker exports, under stable names the autoscaler and dashboards rely on
 * (documented in docs/metrics.md). Labels: `job`, `operator` (e.g.
 * `pipeline[2].window`), `subtask`, and for Kafka `topic`/`partition`.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly recordsIn = new Counter({
    name: "sabot_operator_records_in_total",
    help: "Records that entered an operator.",
    labelNames: ["job_name", "operator", "subtask"],
    registers: [this.registry],
  });
  readonly recordsOut = new Counter({
    name: "sabot_operator_records_out_total",
    help: "Records an operator emitted.",
    labelNames: ["job_name", "operator", "subtask"],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "sabot_operator_batch_rows",
    help: "Rows per record batch entering an operator.",
    labelNames: ["job_name", "operator", "subtask"],
    buckets: [1, 64, 512, 4096, 16384, 65536],
    registers: [this.registry],
  });
  readonly busySeconds = new Counter({
    name: "sabot_subtask_busy_seconds_total",
    help: "Seconds a subtask spent processing records (not idle, not waiting on backpressure).",
    labelNames: ["job_name", "subtask"],
    registers: [this.registry],
  });
  readonly backpressuredSeconds = new Counter({
    name: "sabot_subtask_backpressured_seconds_total",
    help: "Seconds a subtask waited because downstream had no room.",
    labelNames: ["job_name", "subtask"],
    registers: [this.registry],
  });
  readonly watermarkLag = new Gauge({
    name: "sabot_watermark_lag_seconds",
    help: "Wall clock minus the current event-time watermark.",
    labelNames: ["job_name", "subtask"],
    registers: [this.registry],
  });
  readonly lateRecords = new Counter({
    name: "sabot_late_records_dropped_total",
    help: "Records dropped because the watermark had passed their window.",
    labelNames: ["job_name", "operator", "subtask"],
    registers: [this.registry],
  });
  readonly sourceRecords = new Counter({
    name: "sabot_source_records_total",
    help: "Records read by a source (its input rate).",
    labelNames: ["job_name", "source", "subtask"],
    registers: [this.registry],
  });
  readonly sourceBusySeconds = new Counter({
    name: "sabot_source_busy_seconds_total",
    help: "Seconds a source spent decoding what it fetched, outside the subtask's busy time (same event loop, so it is CPU the subtask cannot use).",
    labelNames: ["job_name", "source", "subtask"],
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: "sabot_kafka_consumer_lag",
    help: "Messages between the consumer's position and the partition's high watermark.",
    labelNames: ["job_name", "source", "topic", "partition"],
    registers: [this.registry],
  });
  readonly kafkaMessages = new Counter({
    name: "sabot_kafka_messages_total",
    help: "Kafka offsets a source consumed (messages, plus the bad, filtered and transaction-marker offsets it moved past): lag's unit. Records/messages converts lag to records (an arrow message holds a whole batch).",
    labelNames: ["job_name", "source", "subtask"],
    registers: [this.registry],
  });
  readonly kafkaPartitions = new Gauge({
    name: "sabot_kafka_partitions",
    help: "Partitions of the topic a Kafka source reads (all of them, not only this subtask's): the most subtasks that can share the source.",
    labelNames: ["job_name", "source", "topic"],
    registers: [this.registry],
  });
  readonly badRecords = new Counter({
    name: "sabot_source_bad_records_total",
    help: "Messages that could not be decoded (sent to the dead-letter topic when one is set).",
    labelNames: ["job_name", "source", "topic", "reason"],
    registers: [this.registry],
  });
  readonly sinkRecords = new Counter({
    name: "sabot_sink_records_total",
    help: "Records written by a sink.",
    labelNames: ["job_name", "sink", "subtask"],
    registers: [this.registry],
  });
  readonly checkpoints = new Counter({
    name: "sabot_checkpoints_total",
    help: "Checkpoints finished, by result (completed or failed).",
    labelNames: ["job_name", "subtask", "result"],
    registers: [this.registry],
  });
  readonly checkpointAlignment = new Gauge({
    name: "sabot_checkpoint_alignment_seconds",
    help: "Barrier alignment of the subtask's last checkpoint: seconds from the first barrier received on an exchange input to the last (0 without exchange inputs).",
    labelNames: ["job_name", "subtask"],
    registers: [this.registry],
  });
  readonly kernelInfo = new Gauge({
    name: "sabot_kernels_info",
    help: "1 for each kernel implementation in use (label impl: typescript or native; also cuda when SABOT_GPU=1 found a device and the CUDA kernels, which then take batches of at least SABOT_GPU_MIN_ROWS rows).",
    labelNames: ["impl"],
    registers: [this.registry],
  });
  readonly gpuDevices = new Gauge({
    name: "sabot_kernels_gpu_devices",
    help: "CUDA devices the native addon sees, asked only with SABOT_GPU=1 (0 without it, or when the addon has no CUDA kernels).",
    registers: [this.registry],
  });
  readonly gpuFallback = new Gauge({
    name: "sabot_kernels_gpu_fallback_info",
    help: "1 when SABOT_GPU=1 asked for the GPU and batches run on CPU kernels; label reason says why.",
    labelNames: ["reason"],
    registers: [this.registry],
  });

  readonly gpuBatches: Counter<"kernel" | "place">;

  /** gpu: where the GPU routing counts come from (tests pass their own GpuKernels). */
  constructor(gpu: GpuBatchSource = processGpuBatches) {
    this.gpuBatches = new Counter({
      name: "sabot_kernels_gpu_batches_total",
      help: "With SABOT_GPU=1: kernel calls (one per aggregate, window pass and batch; one per filtered batch) by kernel (groupAggregate, filterCompare) and place: cuda, cpu (below SABOT_GPU_MIN_ROWS or no GPU), fallback (a CUDA call failed and the batch reran on the CPU, also counted under cpu).",
      labelNames: ["kernel", "place"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const c of gpu.counts()) this.inc({ kernel: c.kernel, place: c.place }, c.batches);
      },
    });
    this.kernelInfo.set({ impl: kernelChoice.impl }, 1);
    if (gpu.inUse) this.kernelInfo.set({ impl: "cuda" }, 1);
    if (gpuChoice.requested) this.gpuDevices.set(gpuChoice.devices);
    if (gpuChoice.requested && !gpuChoice.useGpu) this.gpuFallback.set({ reason: gpuChoice.reason }, 1);
  }
}

/** Labels every metric of one running subtask carries. */
export interface MetricLabels {
  /** The StreamJob; not `job`, which Prometheus reserves for the scrape job. */
  job_name: string;
  subtask: string;
}

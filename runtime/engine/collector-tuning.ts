import { setFlagsFromString } from "node:v8";

/**
 * V8's garbage-collector settings for a process that runs a job (`sabot run`, a worker, a
 * coordinator). A job allocates most of its memory as ArrayBuffers (Kafka messages, Arrow column
 * buffers), which V8 counts as external memory; by default every 64 MiB of it starts a full
 * mark-compact of the whole JavaScript heap, however little of that heap changed, so a job
 * reading Arrow from Kafka at a few million rows per second ran a full collection every 15 to 20
 * milliseconds of work, and V8's helper threads took as much CPU as the job's own thread.
 * Counting external memory in V8's global limit, which grows with the heap as the heap's own
 * limit does, leaves those collections to the heap's growth. Measured in docs/kafka.md
 * ("V8's collector"): Nexmark q1 over Kafka, 1.3 to 1.8 times the events per CPU-second in arrow,
 * 1.2 in avro; dead ArrayBuffers wait longer, so the peak memory is higher (about 100 MiB there),
 * still bounded by --max-old-space-size.
 * Called once at the start of such a process; `SABOT_V8_DEFAULT_GC=1` leaves V8's defaults.
 */
export function tuneCollectorForJobs(env: NodeJS.ProcessEnv = process.env): void {
  if (env.SABOT_V8_DEFAULT_GC === "1") return;
  setFlagsFromString("--external-memory-accounted-in-global-limit");
}

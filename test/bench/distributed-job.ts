import { fileURLToPath } from "node:url";
import { loadManifest, type StreamJobManifest } from "../../runtime/contract/spec/manifest.js";
import { LocalJob } from "../../runtime/engine/local-job.js";
import { planManifest } from "../../runtime/planner/validate.js";
import { CollectingSink } from "../helpers/collecting-sink.js";

/** The distributed benchmark's job: examples/nexmark/q7.yaml over `events` generated bids. */
export function q7Manifest(events: number, partitions: number, seed = 1): StreamJobManifest {
  const manifest = loadManifest(fileURLToPath(new URL("../../examples/nexmark/q7.yaml", import.meta.url)));
  const gen = manifest.spec.sources!.bids.generator!;
  gen.count = events;
  gen.partitions = partitions;
  gen.batchSize = 16_384;
  gen.seed = seed;
  return manifest;
}

export interface ChainedRun {
  seconds: number;
  cpuSeconds: number;
  outputRows: number;
}

/** Plans now; `run` then runs the whole job in this process (output counted, not kept). */
export function chainedJob(manifest: StreamJobManifest): { run(): Promise<ChainedRun> } {
  const plan = planManifest(manifest);
  return {
    async run() {
      const sink = new CollectingSink(false);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await new LocalJob(plan, { sinks: { [plan.sinks[0]!.name]: sink } }).run();
      const cpu = process.cpuUsage(cpu0);
      return {
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        outputRows: sink.rows,
      };
    },
  };
}

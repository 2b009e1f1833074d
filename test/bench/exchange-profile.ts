import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** The part of a V8 CPU profile (.cpuprofile, `node --cpu-prof`) that self time needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function's time goes, by what the exchange does (the issue's breakdown). */
const STAGES: [string, RegExp][] = [
  ["validation", /validate-data|ipc-prescan|frame-check/],
  // On the sender all of arrow-js is encoding, on the receiver decoding (each runs only one way).
  ["Arrow IPC encode/decode", /apache-arrow|flatbuffers|formats\/ipc\.ts|exchange\/codec\.ts/],
  ["node net/tls/streams", /^node:(internal\/)?(net|tls|_tls|stream|streams|buffer|process\/task_queues|stream_base)/],
  ["exchange (sabot)", /runtime\/distributed\/exchange/],
];

/** Functions that copy whole frames: arrow-js joining its chunks, the receiver assembling a frame (TypedArray `set`; a Map `set` counts too, rare on this path). */
const COPIES = /^(joinUint8Arrays|memcpy|set|concat|copy)$/;

function stageOf(url: string, fn: string): string {
  if (COPIES.test(fn)) return "frame copies";
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(idle)") return "idle";
  if (url === "node:inspector") return "(profiler)";
  if (fn === "(program)") return "V8/native (program)";
  for (const [stage, re] of STAGES) if (re.test(url)) return stage;
  return url ? "other JS" : `native: ${fn || "(anonymous)"}`;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by stage, ms, largest first. */
  stages: [string, number][];
  /** Self time by function, ms, largest first. */
  functions: [string, number][];
}

/**
 * Starts V8's sampling profiler in this process (what `node --cpu-prof` runs, but around the
 * measured part only); the returned function stops it and writes the .cpuprofile to `file`.
 */
export async function startProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * Starts V8's sampling heap profiler, keeping samples of objects the collector has already freed,
 * so the profile says what was allocated during the measured part, not only what outlived it;
 * the returned function writes the .heapprofile (DevTools opens it) to `file`.
 */
export async function startHeapProfile(file: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Self time per sample's leaf function, grouped by stage and by function. */
export function summarizeProfile(p: CpuProfile, top = 12): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const stages = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const f = byId.get(id)!;
    const stage = stageOf(f.url, f.functionName);
    const short = f.url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/[^/]+\//, "");
    const name = `${f.functionName || "(anonymous)"} ${short}${short ? `:${f.lineNumber + 1}` : ""}`;
    total += ms;
    stages.set(stage, (stages.get(stage) ?? 0) + ms);
    fns.set(name, (fns.get(name) ?? 0) + ms);
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, stages: sorted(stages), functions: sorted(fns).slice(0, top) };
}

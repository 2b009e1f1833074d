/**
 * One exchange benchmark case in its own process; prints one JSON line (ExchangeResult).
 *   codec SHAPE FRAME_ROWS ROWS        one channel's ChannelEncoder + ChannelDecoder (the checks
 *                                      included), no transport
 *   link SHAPE FRAME_ROWS ROWS TLS     the full path: OutboundChannel -> ServedLink -> TCP over
 *                                      loopback -> InboundConnection -> ExchangeReceiver, the sender
 *                                      in a second process (exchange-sender.ts); TLS is mtls|plain
 * SABOT_BENCH_CPU_PROF=DIR writes CPU profiles of the measured part: DIR/receiver.cpuprofile
 * (or codec.cpuprofile) and DIR/sender.cpuprofile.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTlsDir, type TlsSetting, writeJobTlsDirs } from "../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../runtime/contract/tls/job-certificates.js";
import { ChannelDecoder } from "../../runtime/distributed/exchange/channel-decoder.js";
import { ChannelEncoder } from "../../runtime/distributed/exchange/channel-encoder.js";
import { ExchangeReceiver, Inbox } from "../../runtime/distributed/exchange/inbound.js";
import { InboundConnection } from "../../runtime/distributed/exchange/links.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { type BatchShape, benchFrames } from "./exchange-batches.js";
import { startProfile } from "./exchange-profile.js";

export interface ExchangeResult {
  rows: number;
  frames: number;
  bytesPerFrame: number;
  seconds: number;
  rowsPerSec: number;
  /** link only: CPU seconds (all threads) of the receiving and the sending process, and rows per CPU-second of both. */
  receiverCpuSeconds?: number;
  senderCpuSeconds?: number;
  rowsPerCpuSecond?: number;
  /** codec only: microseconds per frame. */
  encodeUs?: number;
  decodeUs?: number;
}

const [mode, shape, frameRowsArg, rowsArg, tlsMode] = process.argv.slice(2);
// This process is one end of a worker's exchange: V8's collector as `sabot worker` sets it.
tuneCollectorForJobs();
const frameRows = Number(frameRowsArg);
const rows = Number(rowsArg);
// The worker defaults (runtime/distributed/config.ts), or the same variables as a worker reads.
const CREDITS = Number(process.env.SABOT_EXCHANGE_CREDITS ?? 8);
const BUFFER_ROWS = Number(process.env.SABOT_EXCHANGE_BUFFER_ROWS ?? 32_768);

async function codecCase(): Promise<ExchangeResult> {
  const frames = benchFrames(shape as BatchShape, frameRows, rows);
  const schema = frames[0]!.schema;
  const warm = new ChannelDecoder(schema);
  const warmEncoder = new ChannelEncoder();
  for (const f of frames.slice(0, 20)) warm.decode(warmEncoder.encode(f), f.numRows);
  let bytes = 0;
  const prof = process.env.SABOT_BENCH_CPU_PROF;
  const stopProfile = prof ? await startProfile(join(prof, "codec.cpuprofile")) : null;
  const t0 = performance.now();
  const encoder = new ChannelEncoder();
  const encoded = frames.map((f) => encoder.encode(f));
  const t1 = performance.now();
  const decoder = new ChannelDecoder(schema);
  for (let i = 0; i < frames.length; i++) {
    bytes += encoded[i]!.byteLength;
    decoder.decode(encoded[i]!, frames[i]!.numRows);
  }
  const t2 = performance.now();
  await stopProfile?.();
  const seconds = (t2 - t0) / 1000;
  const us = (ms: number) => (ms * 1000) / frames.length;
  return {
    rows,
    frames: frames.length,
    bytesPerFrame: bytes / frames.length,
    seconds,
    rowsPerSec: rows / seconds,
    encodeUs: us(t1 - t0),
    decodeUs: us(t2 - t1),
  };
}

function tlsSettings(): { mine: TlsSetting; senderArg: string } {
  if (tlsMode === "plain") return { mine: "insecure", senderArg: "insecure" };
  const dirs = writeJobTlsDirs(mkdtempSync(join(tmpdir(), "sabot-xbench-")), issueJobCertificates("bench"));
  return { mine: readTlsDir(dirs.worker), senderArg: dirs.worker };
}

async function linkCase(): Promise<ExchangeResult> {
  const { mine, senderArg } = tlsSettings();
  const prof = process.env.SABOT_BENCH_CPU_PROF;
  const script = fileURLToPath(new URL("./exchange-sender.ts", import.meta.url));
  const sender = spawn(
    process.execPath,
    ["--import", "tsx", script, shape!, String(frameRows), String(rows), senderArg, String(BUFFER_ROWS)],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, SABOT_LOG_LEVEL: "warn" } },
  );
  const lines: Record<string, number>[] = [];
  let pending = "";
  sender.stdout.on("data", (d: Buffer) => {
    const parts = (pending + d.toString()).split("\n");
    pending = parts.pop()!;
    for (const l of parts) if (l.trim()) lines.push(JSON.parse(l) as Record<string, number>);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      if (lines[0]?.port === undefined) return;
      clearInterval(poll);
      resolve(lines[0].port);
    }, 5);
    sender.once("exit", (code) => reject(new Error(`the exchange bench sender exited with ${code}`)));
  });
  const schema = benchFrames(shape as BatchShape, frameRows, 1)[0]!.schema;
  let received = 0;
  const port0 = {
    onBatch: (b: { numRows: number }) => {
      received += b.numRows;
    },
    onWatermark: () => {},
  };
  const hooks = {
    waitForRoom: async () => {},
    busy: () => {},
    backpressured: () => {},
    barrier: () => {},
    ended: () => {},
  };
  const receiver = new ExchangeReceiver(0, schema, 1, port0, hooks);
  const fail = (err: Error) => receiver.abort(err);
  const inbox = new Inbox("bench", 0, new Map([[0, receiver]]), CREDITS, fail);
  const address = `127.0.0.1:${port}`;
  const conn = new InboundConnection(address, mine, { jobName: "bench", attempt: 0, toSubtask: 1 }, 0, inbox, fail);
  const stopProfile = prof ? await startProfile(join(prof, "receiver.cpuprofile")) : null;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  conn.open();
  await receiver.run();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  await stopProfile?.();
  await new Promise((r) => sender.once("exit", r)); // it exits by itself, so --cpu-prof writes its profile
  const frames = Math.ceil(rows / frameRows);
  // A channel's frames after its first (which also carries the schema and the dictionaries).
  const channel = new ChannelEncoder();
  const [first, second] = benchFrames(shape as BatchShape, frameRows, 2 * frameRows).map((f) => channel.encode(f));
  const bytesPerFrame = (second ?? first!).byteLength;
  // From connect to end: the first frame's latency is part of what a channel costs.
  const seconds = (t1 - t0) / 1000;
  const receiverCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const senderCpuSeconds = lines.find((l) => l.cpuSeconds !== undefined)?.cpuSeconds ?? Number.NaN;
  return {
    rows: received,
    frames,
    bytesPerFrame,
    seconds,
    rowsPerSec: received / seconds,
    receiverCpuSeconds,
    senderCpuSeconds,
    rowsPerCpuSecond: received / (receiverCpuSeconds + senderCpuSeconds),
  };
}

const result = mode === "codec" ? await codecCase() : await linkCase();
console.log(JSON.stringify(result));
process.exit(0);

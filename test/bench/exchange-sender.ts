/**
 * The sending worker of the exchange benchmark (a child process): an exchange server on
 * 127.0.0.1 serving one channel of one edge to subtask 1, fed with pre-generated frames as fast as
 * credits and the channel's buffer allow. Prints `{"port": N}` once listening; exits when the
 * end of the stream went out, after `{"cpuSeconds": S}` (the process's CPU while sending).
 * SABOT_BENCH_CPU_PROF=DIR: writes DIR/sender.cpuprofile of the sending part.
 * Args: shape frameRows rows tlsDir|insecure bufferRows
 */
import { readTlsDir, type TlsSetting } from "../../runtime/contract/tls/files.js";
import { ServedLink } from "../../runtime/distributed/exchange/links.js";
import { OutboundChannel } from "../../runtime/distributed/exchange/outbound.js";
import { ExchangeServer } from "../../runtime/distributed/exchange/server.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";
import { log } from "../../runtime/log.js";
import { type BatchShape, benchFrames } from "./exchange-batches.js";
import { startProfile } from "./exchange-profile.js";

const [shape, frameRows, rows, tlsArg, bufferRows] = process.argv.slice(2);
// This process is one end of a worker's exchange: V8's collector as `sabot worker` sets it.
tuneCollectorForJobs();
const frames = benchFrames(shape as BatchShape, Number(frameRows), Number(rows));
const tls: TlsSetting = tlsArg === "insecure" ? "insecure" : readTlsDir(tlsArg!);
const exchange = new ExchangeServer(log);
const port = await exchange.listen("127.0.0.1", 0, tls);
let channel: OutboundChannel | null = null;
const link = new ServedLink(
  1,
  1,
  () => channel!,
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
channel = new OutboundChannel(0, link, Number(bufferRows));
exchange.setOutbox({ jobName: "bench", attempt: 0, links: new Map([[1, link]]) });
const prof = process.env.SABOT_BENCH_CPU_PROF;
const stopProfile = prof ? await startProfile(`${prof}/sender.cpuprofile`) : null;
console.log(JSON.stringify({ port }));
const cpu0 = process.cpuUsage();
for (const f of frames) {
  channel.pushBatch(f);
  await channel.waitForRoom();
}
channel.pushEnd();
// The end is queued behind the data; once it went out, give the socket a moment to flush.
while (!channel.flushed()) await new Promise((r) => setTimeout(r, 10));
await stopProfile?.();
// All of this process's threads (V8's GC helpers included), from the first frame to the end sent.
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
setTimeout(() => process.exit(0), 200);

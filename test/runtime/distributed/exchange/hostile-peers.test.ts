import type { RecordBatch } from "apache-arrow";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { encodeBatch } from "../../../../runtime/distributed/exchange/codec.js";
import type { RejectReason } from "../../../../runtime/distributed/exchange/frame-check.js";
import type { ExchangeFrame } from "../../../../runtime/distributed/exchange/frames.js";
import { ExchangeReceiver, Inbox } from "../../../../runtime/distributed/exchange/inbound.js";
import { InboundConnection, ServedLink } from "../../../../runtime/distributed/exchange/links.js";
import { OutboundChannel } from "../../../../runtime/distributed/exchange/outbound.js";
import { rejectedFrames } from "../../../../runtime/distributed/exchange/rejections.js";
import { ExchangeServer } from "../../../../runtime/distributed/exchange/server.js";
import { type ExchangeListener, listenExchange } from "../../../../runtime/distributed/exchange/transport.js";
import { encodeFrame } from "../../../../runtime/distributed/exchange/wire.js";
import type { StreamConsumer } from "../../../../runtime/engine/dataflow.js";
import { exchangeOutcome } from "../../../helpers/exchange-peer.js";
import { ALL_TYPES, EACH_TYPE, randomBatch, seededRng } from "../../../helpers/random.js";

/**
 * Hostile peers over real TCP connections (in this process): a sender that answers with bad frames, and a
 * client that sends a worker's exchange server what the protocol forbids. Each is refused and
 * counted, the receiving attempt fails (so the job restarts from its checkpoint), nothing bad
 * reaches an operator, and the serving worker keeps serving.
 */
const quiet = pino({ level: "silent" });
const good = randomBatch(seededRng(3), ALL_TYPES, 50);
const servers: { close(graceMs?: number): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(0);
});

class Collect implements StreamConsumer {
  batches: RecordBatch[] = [];
  onBatch(b: RecordBatch): void {
    this.batches.push(b);
  }
  onWatermark(): void {}
}

/** A "worker" that answers every hello with `frames`, then leaves the connection open. */
async function rogueSender(frames: (ExchangeFrame | Uint8Array)[]): Promise<number> {
  const listener: ExchangeListener = await listenExchange("127.0.0.1", 0, "insecure", (socket) => {
    socket.once("data", () => {
      for (const f of frames) socket.write(f instanceof Uint8Array ? f : encodeFrame(f));
    });
    socket.on("error", () => {});
  });
  servers.push(listener);
  return listener.port;
}

/** A receiving subtask (edge 0, 2 credits) pulling from `port`; resolves with why it failed. */
async function receiveFrom(port: number): Promise<{ failure: Error; port: Collect }> {
  const sink = new Collect();
  const receiver = new ExchangeReceiver(0, good.schema, 2, sink, {
    waitForRoom: async () => {},
    busy: () => {},
    backpressured: () => {},
    barrier: () => {},
    ended: () => {},
  });
  const failed = new Promise<Error>((resolve) => {
    const inbox = new Inbox("job", 1, new Map([[0, receiver]]), 2, resolve);
    new InboundConnection(
      `127.0.0.1:${port}`,
      "insecure",
      { jobName: "job", attempt: 1, toSubtask: 0 },
      1,
      inbox,
      resolve,
    ).open();
    void receiver.run().catch(() => {});
  });
  return { failure: await failed, port: sink };
}

const frame = (ipc: Uint8Array, rows = good.numRows): ExchangeFrame => ({
  frame: "data",
  data: { edge: 0, ipc, rows },
});

describe("a hostile sender", () => {
  const ipc = encodeBatch(good);
  /** A frame header: `size` bytes in all, of `type`. */
  const header = (size: number, type: number) => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(size, 0);
    b[4] = type;
    return b;
  };
  const cases: [string, (ExchangeFrame | Uint8Array)[], RejectReason][] = [
    ["a frame of unknown type", [header(16, 99)], "malformed"],
    ["a watermark frame of the wrong size", [header(16, 17)], "malformed"],
    ["a frame longer than any data frame", [header(2 ** 31, 16)], "oversized"],
    ["a truncated frame", [frame(ipc.subarray(0, ipc.length >> 1))], "corrupt_ipc"],
    ["random bytes", [frame(Uint8Array.from({ length: 500 }, (_, i) => (i * 131) & 0xff))], "corrupt_ipc"],
    ["a batch of another schema", [frame(encodeBatch(randomBatch(seededRng(4), EACH_TYPE, 50)))], "schema_mismatch"],
    ["a frame declaring other rows", [frame(ipc, 7)], "row_count_mismatch"],
    ["a frame for an unknown edge", [{ frame: "data", data: { edge: 9, ipc, rows: 50 } }], "unknown_edge"],
    ["more frames than credits", [frame(ipc), frame(ipc), frame(ipc)], "over_credit"],
    [
      "barriers out of order",
      [
        { frame: "barrier", barrier: { edge: 0, checkpointId: 5, stop: false } },
        { frame: "barrier", barrier: { edge: 0, checkpointId: 4, stop: false } },
      ],
      "barrier_out_of_order",
    ],
  ];

  it.each(cases)(
    "%s: refused and counted, the attempt fails, no bad row reaches the operator",
    async (_, frames, reason) => {
      const before = await rejectedFrames(reason);
      const { failure, port } = await receiveFrom(await rogueSender(frames));
      expect(failure.message).toContain(`refused: ${reason}`);
      expect(await rejectedFrames(reason)).toBe(before + 1);
      // Only whole, valid batches sent before the bad frame may have been delivered.
      for (const b of port.batches) expect(b.numRows).toBe(good.numRows);
    },
  );
});

describe("a hostile client of a worker's exchange server", () => {
  async function worker() {
    const server = new ExchangeServer(quiet, 2000);
    const port = await server.listen("127.0.0.1", 0, "insecure");
    servers.push(server);
    const failures: Error[] = [];
    const channels: OutboundChannel[] = [];
    const link = new ServedLink(
      0,
      1,
      () => channels[0]!,
      (e) => failures.push(e),
    );
    channels.push(new OutboundChannel(0, link, 1000));
    server.setOutbox({ jobName: "job", attempt: 1, links: new Map([[0, link]]) });
    return { port, failures, link, channel: channels[0]! };
  }

  const address = (port: number) => `127.0.0.1:${port}`;
  const refusal = async (port: number, requests: Parameters<typeof exchangeOutcome>[2]) =>
    (await exchangeOutcome(address(port), "insecure", requests)).refusal;

  it("refuses requests against the protocol, counts them, and keeps serving the real receiver", async () => {
    const w = await worker();
    const before = await rejectedFrames("bad_request");
    expect(await refusal(w.port, [{ request: "credit", credit: { edge: 0, credits: 5 } }])).toEqual({
      code: "invalid_argument",
      details: "the first exchange request must be a hello",
    });
    expect(
      await refusal(w.port, [{ request: "hello", hello: { jobName: "", attempt: 1, toSubtask: 0 } }]),
    ).toMatchObject({
      code: "invalid_argument",
    });
    expect(
      await refusal(w.port, [
        { request: "hello", hello: { jobName: "job", attempt: 9, toSubtask: 0 } },
        { request: "credit", credit: { edge: 0, credits: 2 ** 31 } },
      ]),
    ).toMatchObject({ code: "invalid_argument" });
    const flood = Array.from({ length: 1100 }, () => ({ request: "credit" as const, credit: { edge: 0, credits: 1 } }));
    expect(
      await refusal(w.port, [{ request: "hello", hello: { jobName: "job", attempt: 9, toSubtask: 0 } }, ...flood]),
    ).toEqual({
      code: "invalid_argument",
      details: "over 1024 requests before the attempt was deployed",
    });
    // Bytes that are no frame of this protocol (here an HTTP/2 client's preface) end the connection.
    const http2 = await exchangeOutcome(address(w.port), "insecure", [Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]);
    expect(http2.ending).toBe("closed");
    expect(await rejectedFrames("bad_request")).toBe(before + 5);
    // The real receiver still attaches and gets its data.
    expect(w.link.ready).toBe(false);
    const served = exchangeOutcome(
      address(w.port),
      "insecure",
      [
        { request: "hello", hello: { jobName: "job", attempt: 1, toSubtask: 0 } },
        { request: "credit", credit: { edge: 0, credits: 4 } },
      ],
      { until: (frames) => frames.some((f) => f.frame === "end") },
    );
    w.channel.pushBatch(good);
    w.channel.pushEnd();
    const got = (await served).frames;
    expect(got.map((f) => f.frame)).toEqual(["data", "end"]);
    expect(w.failures).toEqual([]);
  });

  it("a credit for an edge the link does not have ends that stream instead of crashing the worker", async () => {
    const w = await worker();
    const status = await refusal(w.port, [
      { request: "hello", hello: { jobName: "job", attempt: 1, toSubtask: 0 } },
      { request: "credit", credit: { edge: 7, credits: 1 } },
    ]);
    expect(status).toEqual({ code: "invalid_argument", details: "a credit for edge 7 of 1" });
    // The stream it had attached breaks, which fails the attempt: it restarts from its checkpoint.
    await until(() => w.failures.length > 0);
    expect(w.failures[0]!.message).toMatch(/to subtask 0 broke/);
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

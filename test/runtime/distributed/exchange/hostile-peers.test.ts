import type { RecordBatch } from "apache-arrow";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  addExchangeService,
  exchangeClient,
  type grpc,
  openExchangeStream,
  startServer,
  stopServer,
} from "../../../../runtime/contract/rpc/loader.js";
import type { ExchangeFrame, ExchangeRequest } from "../../../../runtime/contract/rpc/messages.js";
import { encodeBatch } from "../../../../runtime/distributed/exchange/codec.js";
import type { RejectReason } from "../../../../runtime/distributed/exchange/frame-check.js";
import { ExchangeReceiver, Inbox } from "../../../../runtime/distributed/exchange/inbound.js";
import { InboundConnection, ServedLink } from "../../../../runtime/distributed/exchange/links.js";
import { OutboundChannel } from "../../../../runtime/distributed/exchange/outbound.js";
import { rejectedFrames } from "../../../../runtime/distributed/exchange/rejections.js";
import { ExchangeServer } from "../../../../runtime/distributed/exchange/server.js";
import type { StreamConsumer } from "../../../../runtime/engine/dataflow.js";
import { ALL_TYPES, EACH_TYPE, randomBatch, seededRng } from "../../../helpers/random.js";

/**
 * Hostile peers over real gRPC (in this process): a sender that answers with bad frames, and a
 * client that sends a worker's Exchange service what the protocol forbids. Each is refused and
 * counted, the receiving attempt fails (so the job restarts from its checkpoint), nothing bad
 * reaches an operator, and the serving worker keeps serving.
 */
const quiet = pino({ level: "silent" });
const good = randomBatch(seededRng(3), ALL_TYPES, 50);
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await stopServer(s, 100);
});

class Collect implements StreamConsumer {
  batches: RecordBatch[] = [];
  onBatch(b: RecordBatch): void {
    this.batches.push(b);
  }
  onWatermark(): void {}
}

/** A "worker" whose Exchange service answers every hello with `frames`, then leaves the stream open. */
async function rogueSender(frames: ExchangeFrame[]): Promise<number> {
  const { server, port } = await startServer("127.0.0.1", 0, "insecure", (s) =>
    addExchangeService(s, {
      Connect: (call) => {
        call.once("data", () => {
          for (const f of frames) call.write(f);
        });
        call.on("error", () => {});
      },
    }),
  );
  servers.push(server);
  return port;
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
    const client = exchangeClient(`127.0.0.1:${port}`, "insecure");
    clients.push(client);
    new InboundConnection(
      client,
      `127.0.0.1:${port}`,
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
  const cases: [string, ExchangeFrame[], RejectReason][] = [
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

describe("a hostile client of a worker's Exchange service", () => {
  async function worker() {
    const server = new ExchangeServer(quiet, 2000);
    const { server: s, port } = await startServer("127.0.0.1", 0, "insecure", (x) =>
      addExchangeService(x, server.handlers),
    );
    servers.push(s);
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

  /** Sends `requests` on a fresh stream; resolves with the status the worker ended it with. */
  async function send(port: number, requests: ExchangeRequest[]): Promise<{ code?: number; details?: string }> {
    const client = exchangeClient(`127.0.0.1:${port}`, "insecure");
    clients.push(client);
    const call = openExchangeStream(client);
    return new Promise((resolve) => {
      call.on("error", (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details }));
      call.on("data", () => {});
      for (const r of requests) call.write(r);
    });
  }

  it("refuses requests against the protocol, counts them, and keeps serving the real receiver", async () => {
    const w = await worker();
    const before = await rejectedFrames("bad_request");
    const INVALID_ARGUMENT = 3;
    expect(await send(w.port, [{ credit: { edge: 0, credits: 5 } }])).toMatchObject({
      code: INVALID_ARGUMENT,
      details: "the first exchange request must be a hello",
    });
    expect(await send(w.port, [{ hello: { jobName: "", attempt: 1, toSubtask: 0 } }])).toMatchObject({
      code: INVALID_ARGUMENT,
    });
    expect(
      await send(w.port, [
        { hello: { jobName: "job", attempt: 9, toSubtask: 0 } },
        { credit: { edge: 0, credits: 2 ** 31 } },
      ]),
    ).toMatchObject({ code: INVALID_ARGUMENT });
    const flood = Array.from({ length: 1100 }, () => ({ credit: { edge: 0, credits: 1 } }));
    expect(await send(w.port, [{ hello: { jobName: "job", attempt: 9, toSubtask: 0 } }, ...flood])).toMatchObject({
      code: INVALID_ARGUMENT,
      details: "over 1024 requests before the attempt was deployed",
    });
    expect(await rejectedFrames("bad_request")).toBe(before + 4);
    // The real receiver still attaches and gets its data.
    expect(w.link.ready).toBe(false);
    const got: ExchangeFrame[] = [];
    const client = exchangeClient(`127.0.0.1:${w.port}`, "insecure");
    clients.push(client);
    const call = openExchangeStream(client);
    call.on("data", (f: ExchangeFrame) => got.push(f));
    call.on("error", () => {});
    call.write({ hello: { jobName: "job", attempt: 1, toSubtask: 0 } });
    call.write({ credit: { edge: 0, credits: 4 } });
    w.channel.pushBatch(good);
    w.channel.pushEnd();
    await until(() => got.some((f) => f.frame === "end"));
    expect(got.filter((f) => f.frame === "data")).toHaveLength(1);
    expect(w.failures).toEqual([]);
  });

  it("a credit for an edge the link does not have ends that stream instead of crashing the worker", async () => {
    const w = await worker();
    const status = await send(w.port, [
      { hello: { jobName: "job", attempt: 1, toSubtask: 0 } },
      { credit: { edge: 7, credits: 1 } },
    ]);
    expect(status).toMatchObject({ code: 3, details: "a credit for edge 7 of 1" });
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

import type { RecordBatch } from "apache-arrow";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ExchangeReceiver, Inbox } from "../../../runtime/distributed/exchange/inbound.js";
import { InboundConnection, LocalLink, ServedLink } from "../../../runtime/distributed/exchange/links.js";
import { ExchangeSender, type Link, OutboundChannel } from "../../../runtime/distributed/exchange/outbound.js";
import { Partitioner } from "../../../runtime/distributed/exchange/partitioner.js";
import { ExchangeServer, type Outbox } from "../../../runtime/distributed/exchange/server.js";
import type { StreamConsumer } from "../../../runtime/engine/dataflow.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../helpers/random.js";

const quiet = pino({ level: "silent" });
const schema = randomBatch(seededRng(0), ALL_TYPES, 1).schema;

class Collect implements StreamConsumer {
  batches: RecordBatch[] = [];
  watermarks: number[] = [];
  onBatch(b: RecordBatch): void {
    this.batches.push(b);
  }
  onWatermark(w: number): void {
    this.watermarks.push(w);
  }
}

/** A gate the receiver waits on before each batch (a full sink downstream). */
function gate() {
  let open: () => void = () => {};
  let opened = false;
  const p = new Promise<void>((r) => (open = r));
  return {
    wait: () => (opened ? Promise.resolve() : p),
    open: () => {
      opened = true;
      open();
    },
  };
}

const sortedRows = (bs: RecordBatch[]) =>
  bs
    .flatMap(batchRows)
    .map((r) => JSON.stringify(r))
    .sort();
const servers: ExchangeServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function setup(senders: number, credits: number, waitForRoom: () => Promise<void> = async () => {}) {
  const port = new Collect();
  const receiver = new ExchangeReceiver(0, schema, senders, port, {
    waitForRoom,
    busy: () => {},
    backpressured: () => {},
    barrier: () => {},
    ended: () => {},
  });
  const failures: Error[] = [];
  const inbox = new Inbox("job", 1, new Map([[0, receiver]]), credits, (e) => failures.push(e));
  return { port, receiver, inbox, failures };
}

describe("exchange", () => {
  it("carries batches of every type, watermarks (minimum over senders) and end of stream over TCP and in memory", async () => {
    const { port, receiver, inbox, failures } = setup(2, 4);
    // Subtask 0 sends to itself in memory; subtask 1 runs in "another worker" behind a TCP connection.
    const channels: OutboundChannel[] = [];
    const local = new LocalLink(inbox, 0, () => channels[0]);
    const remote = new ServedLink(
      0,
      1,
      () => channels[1],
      (e) => failures.push(e),
    );
    channels.push(new OutboundChannel(0, local, 10_000), new OutboundChannel(0, remote, 10_000));
    channels[0].grant(4);
    const p = await serve({ jobName: "job", attempt: 1, links: new Map([[0, remote]]) });
    connectFrom(p, 1, 1, inbox, failures);
    const running = receiver.run();

    const rng = seededRng(11);
    const sent = Array.from({ length: 12 }, () => randomBatch(rng, ALL_TYPES, 300, { nullRate: 0.2 }));
    // Slices travel too (frames are cut from larger batches).
    sent.push(randomBatch(rng, ALL_TYPES, 500).slice(123, 321));
    for (const [i, b] of sent.entries()) channels[i % 2].pushBatch(b);
    channels[0].pushWatermark(100);
    channels[1].pushWatermark(50);
    await until(() => port.watermarks.includes(50));
    channels[1].pushWatermark(200);
    await until(() => port.watermarks.includes(100));
    channels[0].pushEnd();
    await until(() => port.watermarks.includes(200));
    channels[1].pushEnd();
    await running;
    expect(port.watermarks).toEqual([50, 100, 200, Number.POSITIVE_INFINITY]);
    expect(sortedRows(port.batches)).toEqual(sortedRows(sent));
    expect(remote.bytesSent).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it("sends no more frames than the receiver granted credits for, so a stuck downstream stops the sender", async () => {
    const room = gate();
    const { port, receiver, inbox } = setup(1, 2, room.wait);
    let sentFrames = 0;
    const channels: OutboundChannel[] = [];
    const local = new LocalLink(inbox, 0, () => channels[0]);
    const counting: Link = {
      ready: true,
      sendData: (e, b) => {
        sentFrames++;
        local.sendData(e, b);
      },
      sendWatermark: (e, w) => local.sendWatermark(e, w),
      sendEnd: (e) => local.sendEnd(e),
      sendBarrier: (e, b) => local.sendBarrier(e, b),
    };
    channels.push(new OutboundChannel(0, counting, 500));
    channels[0].grant(2);
    const sender = new ExchangeSender(0, new Partitioner({ kind: "single" }, schema, 1, 128), channels, 100);
    const running = receiver.run();
    const rng = seededRng(5);
    for (let i = 0; i < 5; i++) sender.onBatch(randomBatch(rng, ALL_TYPES, 400));
    await new Promise((r) => setTimeout(r, 50));
    // 2000 rows in frames of 100: two frames went out on the two credits, the rest waits here.
    expect(sentFrames).toBe(2);
    expect(channels[0].pendingRows).toBe(1800);
    expect(sender.hasRoom()).toBe(false);
    let roomAgain = false;
    void sender.waitForRoom().then(() => (roomAgain = true));
    room.open();
    await until(() => roomAgain);
    sender.end();
    await running;
    expect(sentFrames).toBe(20);
    expect(port.batches.reduce((s, b) => s + b.numRows, 0)).toBe(2000);
  });

  it("fails the attempt on both sides when a connection breaks before every edge ended", async () => {
    const { receiver, inbox, failures } = setup(2, 4);
    const senderFailures: Error[] = [];
    const channels: OutboundChannel[] = [];
    const link = new ServedLink(
      0,
      1,
      () => channels[0],
      (e) => senderFailures.push(e),
    );
    channels.push(new OutboundChannel(0, link, 1000));
    const p = await serve({ jobName: "job", attempt: 1, links: new Map([[0, link]]) });
    connectFrom(p, 1, 1, inbox, failures);
    void receiver.run().catch(() => {});
    await until(() => link.ready);
    link.abort();
    await until(() => failures.length > 0);
    expect(failures[0].message).toMatch(/from subtask 1/);
    const again = new ServedLink(
      0,
      1,
      () => channels[0],
      (e) => senderFailures.push(e),
    );
    const p2 = await serve({ jobName: "job", attempt: 1, links: new Map([[0, again]]) });
    const conn2 = connectFrom(p2, 1, 1, setup(2, 4).inbox, []);
    await until(() => again.ready);
    conn2.abort();
    await until(() => senderFailures.length > 0);
    expect(senderFailures[0].message).toMatch(/to subtask 0 broke/);
  });

  it("refuses a connection for an attempt older than the one running", async () => {
    const server = new ExchangeServer(quiet, 2000);
    const port = await server.listen("127.0.0.1", 0, "insecure");
    servers.push(server);
    server.setOutbox({ jobName: "job", attempt: 1, links: new Map() });
    server.setOutbox({ jobName: "job", attempt: 2, links: new Map() });
    const errors: Error[] = [];
    connectFrom(port, 1, 0, setup(1, 4).inbox, errors);
    await until(() => errors.length > 0);
    expect(errors[0].message).toMatch(/attempt 1 of job is not running here/);
  });
});

/** A worker's exchange server on a free port, serving `outbox`. */
async function serve(outbox: Outbox): Promise<number> {
  const server = new ExchangeServer(quiet);
  const port = await server.listen("127.0.0.1", 0, "insecure");
  servers.push(server);
  server.setOutbox(outbox);
  return port;
}

/** Receiving subtask `to` pulls from the sending subtask `from` served on `port`. */
function connectFrom(port: number, attempt: number, from: number, inbox: Inbox, failures: Error[]): InboundConnection {
  const conn = new InboundConnection(
    `127.0.0.1:${port}`,
    "insecure",
    { jobName: "job", attempt, toSubtask: 0 },
    from,
    inbox,
    (e) => failures.push(e),
  );
  conn.open();
  return conn;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FrameSocket } from "../../../../runtime/distributed/exchange/frame-socket.js";
import { decodeFrame, encodeFrame } from "../../../../runtime/distributed/exchange/wire.js";

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server on loopback, and the first socket it accepts. */
async function listening(): Promise<{ port: number; accepted: Promise<Socket> }> {
  let accept: (s: Socket) => void = () => {};
  const accepted = new Promise<Socket>((r) => (accept = r));
  const server = createServer((s) => accept(s));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as { port: number }).port, accepted };
}

/** A connected pair of sockets over loopback. */
async function pair(): Promise<[Socket, Socket]> {
  const { port, accepted } = await listening();
  const client = connect(port, "127.0.0.1");
  return [client, await accepted];
}

const liveness = { pingMs: 20, silenceMs: 150 };

describe("FrameSocket", () => {
  it("pings while idle, so a quiet but live connection stays open", async () => {
    const [a, b] = await pair();
    const closed: (Error | null)[] = [];
    const pings: string[] = [];
    const onFrame = (f: Uint8Array) => {
      if (decodeFrame(f) === "ping") pings.push("ping");
    };
    const x = new FrameSocket(a, 1024, { frame: onFrame, closed: (e) => closed.push(e) }, liveness);
    const y = new FrameSocket(b, 1024, { frame: onFrame, closed: (e) => closed.push(e) }, liveness);
    await new Promise((r) => setTimeout(r, 400));
    expect(closed).toEqual([]);
    expect(pings.length).toBeGreaterThan(4);
    x.send(encodeFrame({ frame: "end", end: { edge: 0 } }));
    x.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toEqual([null, null]);
    expect(y.closed).toBe(true);
  });

  it("reads a dialled connection's frames into buffers of their own, each whole and in order", async () => {
    const { port, accepted } = await listening();
    const frames: Uint8Array[] = [];
    const closed: (Error | null)[] = [];
    new FrameSocket(
      (onread) => connect({ port, host: "127.0.0.1", onread }),
      1 << 20,
      { frame: (f) => frames.push(f), closed: (e) => closed.push(e) },
      liveness,
    );
    const sent = [12, 300_000, 9, 70_000, 4096, 5000].map((size, k) => {
      const f = Buffer.alloc(size, k + 1);
      f.writeUInt32LE(size, 0);
      return f;
    });
    (await accepted).end(Buffer.concat(sent));
    await new Promise((r) => setTimeout(r, 200));
    expect(frames.map((f) => Buffer.from(f))).toEqual(sent);
    expect(frames.every((f) => f.byteOffset % 8 === 0)).toBe(true);
    expect(closed).toEqual([null]);
  });

  it("gives up on a peer that says nothing for the silence limit", async () => {
    const [a, b] = await pair();
    // b is read by nobody and never writes: a hears nothing from it.
    b.pause();
    const closed: (Error | null)[] = [];
    new FrameSocket(a, 1024, { frame: () => {}, closed: (e) => closed.push(e) }, liveness);
    await new Promise((r) => setTimeout(r, 400));
    expect(closed).toHaveLength(1);
    expect(closed[0]!.message).toMatch(/nothing heard for 0.15 s/);
    b.destroy();
  });

  it("closes the connection when the peer declares a frame over the limit", async () => {
    const [a, b] = await pair();
    const closed: (Error | null)[] = [];
    new FrameSocket(a, 1024, { frame: () => {}, closed: (e) => closed.push(e) }, liveness);
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(5000, 0);
    b.write(huge);
    await new Promise((r) => b.once("close", r));
    expect(closed[0]!.message).toMatch(/a frame of 5000 bytes \(at most 1024\)/);
  });
});

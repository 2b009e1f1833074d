import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { parseData, serializeData } from "../../../../runtime/contract/rpc/exchange-wire.js";
import { exchangeService } from "../../../../runtime/contract/rpc/loader.js";
import type { ExchangeFrame } from "../../../../runtime/contract/rpc/messages.js";

// The generic protobufjs codec of exchange.proto, as any other gRPC peer would encode and decode.
const proto = fileURLToPath(new URL("../../../../runtime/contract/rpc/exchange.proto", import.meta.url));
const generic = (
  grpc.loadPackageDefinition(
    protoLoader.loadSync(proto, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true }),
  ) as unknown as { sabot: { v1: { Exchange: grpc.ServiceClientConstructor } } }
).sabot.v1.Exchange.service.Connect!;

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
/** As grpc-js hands a large message over: after its 5-byte prefix in a buffer of its own. */
const received = (msg: Uint8Array) => {
  const framed = Buffer.alloc(msg.byteLength + 5);
  framed.set(msg, 5);
  return framed.subarray(5);
};
const dataOf = (f: ExchangeFrame) => ("data" in f ? f.data : null);

describe("exchange data frames on the wire", () => {
  const cases: [number, number, number][] = [];
  for (const edge of [0, 3, 200, 70_000])
    for (const rows of [0, 1, 4096, 300_000]) for (const n of [0, 1, 100, 16_383, 200_000]) cases.push([edge, rows, n]);

  it("are protobuf any peer decodes alike, with the IPC bytes 8-byte aligned behind grpc-js's prefix", () => {
    for (const [edge, rows, n] of cases) {
      const ipc = bytes(n);
      const wire = Buffer.from(serializeData(edge, rows, [ipc.subarray(0, n >> 1), ipc.subarray(n >> 1)]));
      const want = { edge, rows, ipc: Buffer.from(ipc) };
      expect(dataOf(generic.responseDeserialize(wire) as ExchangeFrame)).toEqual(want);
      const fast = dataOf(parseData(received(wire))!)!;
      expect({ ...fast, ipc: Buffer.from(fast.ipc) }).toEqual(want);
      expect(fast.ipc.byteOffset % 8).toBe(0);
    }
  });

  it("written by a generic peer decode the same (fast path or protobufjs)", () => {
    const connect = exchangeService.Connect!;
    for (const [edge, rows, n] of cases) {
      const frame = { frame: "data", data: { edge, rows, ipc: Buffer.from(bytes(n)) } };
      const decoded = connect.responseDeserialize(generic.responseSerialize(frame)) as ExchangeFrame;
      expect(dataOf(decoded)).toEqual(frame.data);
    }
  });

  it("leave other frames and damaged data frames to protobufjs", () => {
    const connect = exchangeService.Connect!;
    const barrier = { frame: "barrier", barrier: { edge: 1, checkpointId: 9, stop: true } };
    expect(connect.responseDeserialize(connect.responseSerialize(barrier))).toEqual(barrier);
    const wire = Buffer.from(serializeData(1, 10, bytes(64)));
    expect(parseData(wire.subarray(0, wire.byteLength - 1))).toBeNull();
    expect(() => connect.responseDeserialize(wire.subarray(0, wire.byteLength - 1))).toThrow();
  });
});

describe("exchange data frames outside the fast path", () => {
  it("a frame above the scratch size is written whole, and odd edges go through protobufjs as before", () => {
    const connect = exchangeService.Connect!;
    const big = bytes(9 * 2 ** 20);
    const wire = Buffer.from(connect.responseSerialize({ data: { edge: 2, rows: 5, ipc: [big] } }));
    expect(dataOf(generic.responseDeserialize(wire) as ExchangeFrame)).toEqual({
      edge: 2,
      rows: 5,
      ipc: Buffer.from(big),
    });
    const odd = { frame: "data", data: { edge: -1, rows: 1, ipc: bytes(8) } };
    expect(Buffer.from(connect.responseSerialize(odd))).toEqual(Buffer.from(generic.responseSerialize(odd)));
  });
});

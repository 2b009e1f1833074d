import { describe, expect, it } from "vitest";
import type { ExchangeFrame, ExchangeRequest } from "../../../../runtime/distributed/exchange/frames.js";
import {
  DATA_HEADER,
  dataHeader,
  decodeFrame,
  decodeRequest,
  encodeFrame,
  encodeRefusal,
  encodeRequest,
  PING,
} from "../../../../runtime/distributed/exchange/wire.js";
import { reasonOf } from "../../../helpers/rejected.js";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

describe("exchange frames on the wire", () => {
  const frames: ExchangeFrame[] = [
    { frame: "data", data: { edge: 3, rows: 4096, ipc: bytes(1000) } },
    { frame: "data", data: { edge: 2 ** 32 - 1, rows: 0, ipc: bytes(0) } },
    { frame: "watermark", watermark: { edge: 1, watermark: 1_700_000_000_123 } },
    { frame: "watermark", watermark: { edge: 1, watermark: Number.NEGATIVE_INFINITY } },
    { frame: "watermark", watermark: { edge: 1, watermark: Number.POSITIVE_INFINITY } },
    { frame: "end", end: { edge: 7 } },
    { frame: "barrier", barrier: { edge: 0, checkpointId: 42, stop: false } },
    { frame: "barrier", barrier: { edge: 0, checkpointId: 43, stop: true } },
  ];

  it.each(frames.map((f) => [f.frame, f] as const))("a %s frame decodes to what was encoded", (_, f) => {
    const b = encodeFrame(f);
    expect(b.readUInt32LE(0)).toBe(b.byteLength);
    const got = decodeFrame(b);
    // A data frame's IPC bytes come back as a view of the frame: compare their contents.
    if (got !== "ping" && "frame" in got && got.frame === "data") got.data.ipc = Uint8Array.from(got.data.ipc);
    expect(got).toEqual(f);
  });

  it("puts a data frame's IPC bytes 16 bytes in, behind a header that counts them", () => {
    const head = dataHeader(5, 100, 800);
    expect(head.byteLength).toBe(DATA_HEADER);
    expect(head.readUInt32LE(0)).toBe(DATA_HEADER + 800);
    const f = decodeFrame(Buffer.concat([head, bytes(800)]));
    expect(f).toMatchObject({ frame: "data", data: { edge: 5, rows: 100 } });
    expect((f as { data: { ipc: Uint8Array } }).data.ipc.byteOffset % 8).toBe(0);
  });

  const requests: ExchangeRequest[] = [
    { request: "hello", hello: { jobName: "nexmark-q7", attempt: 3, toSubtask: 1 } },
    { request: "hello", hello: { jobName: "ünïcødé-job", attempt: 0, toSubtask: 0 } },
    { request: "credit", credit: { edge: 2, credits: 8 } },
  ];
  it.each(requests.map((r) => [r.request, r] as const))("a %s request decodes to what was encoded", (_, r) => {
    expect(decodeRequest(encodeRequest(r))).toEqual(r);
  });

  it("reads pings both ways and refusals from the sender", () => {
    expect(decodeFrame(PING)).toBe("ping");
    expect(decodeRequest(PING)).toBe("ping");
    expect(decodeFrame(encodeRefusal({ code: "not_found", details: "no data for subtask 3" }))).toEqual({
      code: "not_found",
      details: "no data for subtask 3",
    });
  });

  it("refuses frames that are not what their type says, as malformed", () => {
    const frame = (size: number, type: number, flags = 0) => {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(size, 0);
      b[4] = type;
      b[5] = flags;
      return b;
    };
    expect(reasonOf(() => decodeFrame(frame(16, 99)))).toBe("malformed");
    expect(reasonOf(() => decodeFrame(frame(12, 16)))).toBe("malformed"); // data shorter than its header
    expect(reasonOf(() => decodeFrame(frame(24, 17)))).toBe("malformed"); // watermark of the wrong size
    expect(reasonOf(() => decodeFrame(frame(16, 18)))).toBe("malformed"); // end of the wrong size
    expect(reasonOf(() => decodeFrame(frame(16, 19, 2)))).toBe("malformed"); // barrier flags
    expect(reasonOf(() => decodeFrame(frame(8, 20, 9)))).toBe("malformed"); // refusal code
    expect(reasonOf(() => decodeFrame(frame(12, 1)))).toBe("malformed"); // a request where frames come
  });

  it("refuses requests that are not what their type says, as bad requests", () => {
    const hello = encodeRequest(requests[0]!);
    const otherVersion = Buffer.from(hello);
    otherVersion[5] = 9;
    expect(reasonOf(() => decodeRequest(otherVersion))).toBe("bad_request");
    const badName = Buffer.concat([hello.subarray(0, 16), Buffer.from([0xff, 0xfe])]);
    badName.writeUInt32LE(badName.byteLength, 0);
    expect(reasonOf(() => decodeRequest(badName))).toBe("bad_request");
    expect(reasonOf(() => decodeRequest(encodeFrame({ frame: "end", end: { edge: 0 } })))).toBe("bad_request");
    const shortCredit = encodeRequest(requests[2]!).subarray(0, 12);
    expect(reasonOf(() => decodeRequest(shortCredit))).toBe("bad_request");
  });
});

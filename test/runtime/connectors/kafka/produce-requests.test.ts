import { describe, expect, it } from "vitest";
import { produceRequests, recordBytes } from "../../../../runtime/connectors/kafka/produce-requests.js";

const msg = (bytes: number) => ({ key: null, value: Buffer.alloc(bytes) });

describe("produceRequests", () => {
  it("bounds each request by messages and by bytes, in order", () => {
    const messages = [msg(400), msg(400), msg(400), msg(10), msg(10), msg(10)];
    const requests = produceRequests(messages, 2, 1000);
    expect(requests.map((r) => r.map((m) => m.value.length))).toEqual([
      [400, 400],
      [400, 10],
      [10, 10],
    ]);
    expect(requests.flat()).toEqual(messages);
  });

  it("sends a record larger than the bound alone", () => {
    const requests = produceRequests([msg(10), msg(5000), msg(10)], 1000, 1000);
    expect(requests.map((r) => r.length)).toEqual([1, 1, 1]);
  });

  it("counts key, value and headers", () => {
    expect(recordBytes({ key: "ab", value: Buffer.alloc(10), headers: { h: "xyz" } })).toBe(64 + 2 + 10 + 1 + 3);
    expect(produceRequests([], 10, 10)).toEqual([]);
  });
});

import type { RecordBatch } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch } from "../../../../runtime/distributed/exchange/codec.js";
import {
  ChannelCheck,
  MAX_FRAME_BYTES,
  RejectedFrameError,
} from "../../../../runtime/distributed/exchange/frame-check.js";
import type { ExchangeFrame } from "../../../../runtime/distributed/exchange/frames.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { ALL_TYPES, EACH_TYPE, randomBatch, seededRng } from "../../../helpers/random.js";
import { reasonOf } from "../../../helpers/rejected.js";

/** What one hostile input did: refused with a reason, or decoded (a structurally valid batch). */
function outcome(f: () => RecordBatch): string {
  try {
    const b = f();
    // Whatever decodes must be readable in full: every value of every row.
    batchRows(b);
    return "decoded";
  } catch (err) {
    if (err instanceof RejectedFrameError) return err.reason;
    throw new Error(`a hostile frame escaped the checks: ${(err as Error).stack}`);
  }
}

const data = (edge: number, ipc = new Uint8Array(8), rows = 0): ExchangeFrame => ({
  frame: "data",
  data: { edge, ipc, rows },
});
const barrier = (edge: number, checkpointId: number): ExchangeFrame => ({
  frame: "barrier",
  barrier: { edge, checkpointId, stop: false },
});

describe("exchange frames against the protocol (ChannelCheck)", () => {
  it("refuses frames for unknown edges, beyond the credits granted, after an edge's end, and malformed ones", () => {
    const check = new ChannelCheck([0, 1], 2);
    expect(reasonOf(() => check.accept(data(7)))).toBe("unknown_edge");
    expect(reasonOf(() => check.accept({ frame: "end", end: { edge: -1 } }))).toBe("unknown_edge");
    expect(reasonOf(() => check.accept({} as ExchangeFrame))).toBe("malformed");
    expect(reasonOf(() => check.accept(data(0)))).toBe("accepted");
    expect(reasonOf(() => check.accept(data(0)))).toBe("accepted");
    expect(reasonOf(() => check.accept(data(0)))).toBe("over_credit");
    check.granted(0, 1);
    expect(reasonOf(() => check.accept(data(0)))).toBe("accepted");
    expect(reasonOf(() => check.accept({ frame: "end", end: { edge: 1 } }))).toBe("accepted");
    expect(reasonOf(() => check.accept(data(1)))).toBe("after_end");
    expect(reasonOf(() => check.accept({ frame: "watermark", watermark: { edge: 1, watermark: 5 } }))).toBe(
      "after_end",
    );
  });

  it("refuses barriers out of order (a repeat, an older one, id 0) and watermarks that are not numbers", () => {
    const check = new ChannelCheck([0], 4);
    expect(reasonOf(() => check.accept(barrier(0, 0)))).toBe("barrier_out_of_order");
    expect(reasonOf(() => check.accept(barrier(0, 3)))).toBe("accepted");
    expect(reasonOf(() => check.accept(barrier(0, 3)))).toBe("barrier_out_of_order");
    expect(reasonOf(() => check.accept(barrier(0, 2)))).toBe("barrier_out_of_order");
    expect(reasonOf(() => check.accept(barrier(0, 4)))).toBe("accepted");
    expect(reasonOf(() => check.accept({ frame: "watermark", watermark: { edge: 0, watermark: Number.NaN } }))).toBe(
      "bad_watermark",
    );
    // ±Infinity are the protocol's own "no event time yet" and "done".
    expect(
      reasonOf(() => check.accept({ frame: "watermark", watermark: { edge: 0, watermark: Number.NEGATIVE_INFINITY } })),
    ).toBe("accepted");
  });

  it("refuses a data frame over the size limit before decoding it", () => {
    const check = new ChannelCheck([0], 1);
    const huge = new Uint8Array(MAX_FRAME_BYTES + 1);
    expect(reasonOf(() => check.accept(data(0, huge)))).toBe("oversized");
  });
});

describe("exchange frames with hostile bytes (decodeBatch)", () => {
  const rng = seededRng(1801);
  const good = randomBatch(rng, ALL_TYPES, 200, { nullRate: 0.2 });
  const bytes = encodeBatch(good);

  it("decodes an honest frame, and refuses another schema or a wrong declared row count", () => {
    expect(batchRows(decodeBatch(bytes, good.schema, 200))).toEqual(batchRows(good));
    const other = randomBatch(seededRng(2), EACH_TYPE, 10).schema;
    expect(outcome(() => decodeBatch(bytes, other, 200))).toBe("schema_mismatch");
    expect(outcome(() => decodeBatch(bytes, good.schema, 199))).toBe("row_count_mismatch");
  });

  it("refuses every truncation of a frame", () => {
    const seen = new Map<string, number>();
    for (let len = 0; len < bytes.length; len += Math.max(1, Math.floor(bytes.length / 400))) {
      const r = outcome(() => decodeBatch(bytes.subarray(0, len), good.schema, 200));
      seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    expect(seen.has("decoded")).toBe(false);
    expect([...seen.keys()].every((r) => r === "corrupt_ipc" || r === "row_count_mismatch")).toBe(true);
  });

  it("fuzz: 3000 corrupted frames never crash, hang or decode into a batch that cannot be read", () => {
    const fuzz = seededRng(18);
    const seen = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < 3000; i++) {
      const b = bytes.slice();
      const mode = fuzz.int(0, 3);
      if (mode === 0) for (let k = fuzz.int(1, 8); k > 0; k--) b[fuzz.range(0, b.length)] ^= 1 << fuzz.int(0, 7);
      else if (mode === 1) b.fill(fuzz.int(0, 255), fuzz.range(0, b.length), fuzz.range(0, b.length));
      else if (mode === 2) {
        // A length or count field blown up: 4 bytes of 0xff somewhere in the metadata.
        const at = fuzz.range(0, Math.min(b.length - 4, 600));
        b.set([0xff, 0xff, 0xff, 0x7f], at);
      } else for (let k = 0; k < 64; k++) b[fuzz.range(0, b.length)] = fuzz.int(0, 255);
      const t0 = performance.now();
      const r = outcome(() => decodeBatch(b, good.schema, 200));
      slowest = Math.max(slowest, performance.now() - t0);
      seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    // Printed for docs/development.md ("Reliability figures").
    console.log(
      `exchange frame fuzz: 3000 inputs, ${JSON.stringify(Object.fromEntries(seen))}, slowest ${slowest.toFixed(1)} ms`,
    );
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(3000);
    expect(seen.get("corrupt_ipc") ?? 0).toBeGreaterThan(0);
  });
});

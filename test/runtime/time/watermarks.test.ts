import { describe, expect, it } from "vitest";
import { SplitWatermarks } from "../../../runtime/time/watermarks.js";

describe("SplitWatermarks", () => {
  it("is the minimum over splits of max event time minus out-of-orderness minus 1 ms", () => {
    const w = new SplitWatermarks([0, 1], 1000, undefined, 0);
    w.observe(0, 10_000, 0);
    expect(w.watermark(0)).toBe(Number.NEGATIVE_INFINITY); // split 1 has seen nothing yet
    w.observe(1, 5_000, 0);
    expect(w.watermark(0)).toBe(3_999);
    w.observe(1, 20_000, 0);
    expect(w.watermark(0)).toBe(8_999);
  });

  it("never moves backwards", () => {
    const w = new SplitWatermarks([0], 0, undefined, 0);
    w.observe(0, 100, 0);
    w.observe(0, 50, 0);
    expect(w.watermark(0)).toBe(99);
  });

  it("leaves an idle split out of the minimum, and holds when every split is idle", () => {
    const w = new SplitWatermarks([0, 1], 0, 5_000, 0);
    w.observe(0, 1_000, 0);
    w.observe(1, 9_000, 0);
    expect(w.watermark(1_000)).toBe(999);
    w.observe(1, 12_000, 6_000); // split 0 quiet for 6 s
    expect(w.watermark(6_000)).toBe(11_999);
    expect(w.watermark(20_000)).toBe(11_999); // all idle: hold
  });

  it("reaches +Infinity when every split has ended", () => {
    const w = new SplitWatermarks([0, 1], 0, undefined, 0);
    w.end(0);
    w.observe(1, 100, 0);
    expect(w.watermark(0)).toBe(99);
    w.end(1);
    expect(w.watermark(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

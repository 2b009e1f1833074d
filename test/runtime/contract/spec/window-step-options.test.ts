import { describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";

const spec = (pipeline: unknown[]) =>
  ({
    sources: { bids: { generator: { kind: "nexmark-bid" }, eventTime: { field: "dateTime" } } },
    pipeline,
    sinks: { out: { console: {} } },
  }) as unknown as StreamJobSpec;

describe("window step options in the spec shape", () => {
  it("windowTime belongs to a window step", () => {
    expect(
      checkSpecShape(spec([{ from: "bids", filter: "price > 1", windowTime: true }, { to: "out" }])),
    ).toContainEqual({
      path: "spec.pipeline[0].windowTime",
      message: "windowTime needs a window in the same step",
    });
    const ok = [{ from: "bids", window: { type: "tumbling", size: "1s" }, aggregate: ["count(*)"], windowTime: true }];
    expect(checkSpecShape(spec([...ok, { keyBy: [] }, { to: "out" }]))).toEqual([]);
  });

  it("topN needs orderBy and a positive limit", () => {
    const issues = checkSpecShape(spec([{ from: "bids", topN: { orderBy: [], limit: 0 } }, { to: "out" }]));
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["spec.pipeline[0].topN.orderBy", "spec.pipeline[0].topN.limit"]),
    );
  });
});

import { describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { checkSpecShape } from "../../../../runtime/contract/spec/validate-shape.js";
import { planManifest } from "../../../../runtime/planner/validate.js";

const sources = {
  bids: { generator: { kind: "nexmark-bid" }, eventTime: { field: "dateTime" } },
  auctions: { generator: { kind: "nexmark-auction" }, eventTime: { field: "dateTime" } },
};
const spec = (join: object, from: object = sources) =>
  ({
    sources: from,
    pipeline: [
      { from: "bids", join: { with: "auctions", leftKey: ["auction"], rightKey: ["id"], ...join } },
      { to: "out" },
    ],
    sinks: { out: { console: {} } },
  }) as unknown as StreamJobSpec;

describe("join steps in the spec shape: window, between (interval) or neither (regular)", () => {
  it("accepts the three forms, with signed interval bounds and a regular join's stateTtl", () => {
    expect(checkSpecShape(spec({ window: { type: "tumbling", size: "10s" } }))).toEqual([]);
    expect(checkSpecShape(spec({ between: { lower: "-10s", upper: "1ms" } }))).toEqual([]);
    expect(checkSpecShape(spec({ between: { lower: "0s", upper: "0s" } }))).toEqual([]);
    expect(checkSpecShape(spec({}))).toEqual([]);
    expect(checkSpecShape(spec({ stateTtl: "1h" }))).toEqual([]);
  });

  it("reports each misuse at its path", () => {
    expect(
      checkSpecShape(spec({ window: { type: "tumbling", size: "1s" }, between: { lower: "0s", upper: "1s" } })),
    ).toEqual([
      {
        path: "spec.pipeline[0].join.between",
        message: "give window (a window join) or between (an interval join), not both",
      },
    ]);
    expect(checkSpecShape(spec({ between: { lower: "0s", upper: "1s" }, stateTtl: "1h" }))).toEqual([
      {
        path: "spec.pipeline[0].join.stateTtl",
        message:
          "stateTtl is for a regular join (no window, no between): an interval join already drops rows once the watermark passes them",
      },
    ]);
    expect(checkSpecShape(spec({ between: { lower: "1s", upper: "-1s" } }))).toEqual([
      {
        path: "spec.pipeline[0].join.between",
        message: "lower (1s) is after upper (-1s), so no pair of rows could match: swap them",
      },
    ]);
    expect(checkSpecShape(spec({ between: { lower: "ten", upper: "1s" } }))).toEqual([
      { path: "spec.pipeline[0].join.between.lower", message: "expected a duration like 10s or -10s" },
    ]);
    expect(checkSpecShape(spec({ between: { lower: "-1s" } }))).toEqual([
      { path: "spec.pipeline[0].join.between.upper", message: "required field is missing" },
    ]);
    expect(checkSpecShape(spec({ stateTtl: "-1s" }))[0].path).toBe("spec.pipeline[0].join.stateTtl");
  });

  it("plans each form onto its operator, and refuses a stateTtl over a stream without event time", () => {
    const plan = (join: object) => planManifest({ name: "t", spec: spec(join) });
    expect(plan({ between: { lower: "-10s", upper: "1ms" } }).operators[0].create().constructor.name).toBe(
      "IntervalJoinOperator",
    );
    expect(plan({}).operators[0].create().constructor.name).toBe("RegularJoinOperator");
    expect(plan({ window: { type: "tumbling", size: "1s" } }).operators[0].create().constructor.name).toBe(
      "WindowJoinOperator",
    );
    const untimed = spec({ stateTtl: "1h" }, { ...sources, auctions: { generator: { kind: "nexmark-auction" } } });
    expect(() => planManifest({ name: "t", spec: untimed })).toThrow(
      /spec\.pipeline\[0\]\.join: stateTtl is on event time: declare `eventTime` on the sources of both sides/,
    );
  });
});

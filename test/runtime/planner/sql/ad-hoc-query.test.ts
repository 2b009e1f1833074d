import { describe, expect, it } from "vitest";
import type { SpecError } from "../../../../runtime/contract/spec/errors.js";
import { AD_HOC_SINK, compileAdHocQuery } from "../../../../runtime/planner/sql/compile-sql.js";
import { planAdHocQuery } from "../../../../runtime/planner/sql/plan-sql.js";
import { BID, RESULTS } from "./sql-fixtures.js";

const JOB = `${BID}${RESULTS("auction BIGINT")}CREATE VIEW big AS SELECT auction, price FROM bid WHERE price > 1000;
INSERT INTO results SELECT auction FROM bid;`;

describe("ad-hoc queries (sabot sql)", () => {
  it("run one SELECT over the job's tables and views into a console sink, leaving the job's INSERTs out", () => {
    const c = compileAdHocQuery(JOB, "SELECT auction FROM big WHERE price < 5000");
    expect(Object.keys(c.sinks)).toEqual([AD_HOC_SINK]);
    expect(c.sinks[AD_HOC_SINK]).toEqual({ console: {} });
    expect(c.pipeline.map((s) => s.filter ?? s.select ?? s.to)).toEqual([
      '"price" > 1000',
      ['"auction" AS "auction"', '"price" AS "price"'],
      '"price" < 5000',
      ['"auction" AS "auction"'],
      AD_HOC_SINK,
    ]);
    const plan = planAdHocQuery("t", JOB, "SELECT auction FROM big WHERE price < 5000");
    expect(plan.sinks.map((s) => s.name)).toEqual([AD_HOC_SINK]);
  });

  it("refuse anything but one SELECT, and unknown columns at the query's line and column", () => {
    expect(() => compileAdHocQuery(JOB, "INSERT INTO results SELECT auction FROM bid")).toThrow(
      /an ad-hoc query is one SELECT/,
    );
    try {
      planAdHocQuery("t", JOB, "SELECT auctoin FROM bid");
      expect.unreachable();
    } catch (err) {
      expect((err as SpecError).issues[0].path).toBe("spec.sql:1:8");
    }
  });
});

import { Field, Float64, Int64, Schema, Utf8 } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { EXPRESSION_LIMITS } from "../../../runtime/contract/spec/limits.js";
import { compileExpression, ExprError, parseSelectItem } from "../../../runtime/expr/index.js";
import { parseExpression } from "../../../runtime/expr/parse.js";
import { HOSTILE_SQL_CLASSES, hostileSql } from "../../helpers/hostile-sql.js";
import { Rng } from "../../helpers/random.js";

/**
 * Hostile SQL expressions (test/helpers/hostile-sql.ts) through the parser and the type checker
 * (compileExpression) and the select-item splitter: each is refused with an ExprError or accepted, never another
 * exception (a crash) and never slowly (a hang). SABOT_FUZZ_RUNS sets the number of inputs (the
 * default, 30 per class, keeps the file near 10 s on the small CI machine),
 * SABOT_FUZZ_SEED the seed; SABOT_FUZZ_REPORT=1 prints what each class produced.
 */
const RUNS = Number(process.env.SABOT_FUZZ_RUNS ?? 390);
const SEED = Number(process.env.SABOT_FUZZ_SEED ?? 18);
/** One input taking longer than this is a hang (generous: the CI machine is small and shared). */
const CASE_LIMIT_MS = Number(process.env.SABOT_FUZZ_CASE_MS ?? 3000);
/** The whole run's bound grows with SABOT_FUZZ_RUNS (the default stays far below it). */
const RUN_TIMEOUT_MS = Math.max(60_000, RUNS * 50);
const { maxChars, maxDepth } = EXPRESSION_LIMITS;

const input = {
  schema: new Schema([new Field("n", new Int64()), new Field("x", new Float64()), new Field("s", new Utf8())]),
};
const columns = { num: "n", str: "s" };

type Outcome = { refused: string } | { accepted: true } | { crash: unknown };

function attempt(f: () => unknown): Outcome {
  try {
    f();
    return { accepted: true };
  } catch (err) {
    return err instanceof ExprError ? { refused: err.message } : { crash: err };
  }
}

interface ClassStats {
  runs: number;
  refused: number;
  crashes: string[];
  slowestMs: number;
  sample: string;
}

describe("hostile SQL expressions", () => {
  it(
    `${RUNS} inputs: each refused with an ExprError or accepted, none crashes or hangs`,
    () => {
      const rng = new Rng(SEED);
      const stats = new Map<string, ClassStats>();
      const wronglyAccepted: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const h = hostileSql(rng, i, columns);
        const s = stats.get(h.cls) ?? { runs: 0, refused: 0, crashes: [], slowestMs: 0, sample: "" };
        stats.set(h.cls, s);
        const start = performance.now();
        // compileExpression parses (parseExpression) and type-checks; parseSelectItem also splits off an alias.
        const outcomes = [attempt(() => parseSelectItem(h.sql)), attempt(() => compileExpression(h.sql, input))];
        s.slowestMs = Math.max(s.slowestMs, performance.now() - start);
        s.runs++;
        for (const o of outcomes) if ("crash" in o) s.crashes.push(`seed ${SEED} case ${i}: ${String(o.crash)}`);
        const refused = outcomes.find((o): o is { refused: string } => "refused" in o);
        if (refused) {
          s.refused++;
          s.sample ||= refused.refused;
        }
        if (h.mustRefuse && !("refused" in outcomes[1])) wronglyAccepted.push(`seed ${SEED} case ${i} (${h.cls})`);
      }
      if (process.env.SABOT_FUZZ_REPORT)
        for (const [cls, s] of stats)
          console.log(
            `${cls}: ${s.runs} inputs, ${s.refused} refused, ${s.crashes.length} crashes, slowest ${s.slowestMs.toFixed(0)} ms; e.g. ${s.sample.slice(0, 160)}`,
          );
      expect(stats.size).toBe(Math.min(RUNS, HOSTILE_SQL_CLASSES));
      expect([...stats.values()].flatMap((s) => s.crashes)).toEqual([]);
      expect(
        [...stats]
          .filter(([, s]) => s.slowestMs > CASE_LIMIT_MS)
          .map(([cls, s]) => `${cls}: ${s.slowestMs.toFixed(0)} ms`),
      ).toEqual([]);
      expect(wronglyAccepted).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(`accepts expressions at the limits: ${maxDepth} parentheses, a 200-term AND chain, ${maxChars} characters`, () => {
    expect(parseExpression(`${"(".repeat(maxDepth)}n > 1${")".repeat(maxDepth)}`)).toMatchObject({ kind: "compare" });
    expect(compileExpression(Array.from({ length: 200 }, (_, i) => `n <> ${i}`).join(" AND "), input).type).toBe(
      "bool",
    );
    const literal = `s = '${"x".repeat(maxChars - 6)}'`;
    expect(literal.length).toBe(maxChars);
    expect(compileExpression(literal, input).type).toBe("bool");
  });

  it("names a subquery as such, in IN and on its own", () => {
    expect(() => parseExpression("n IN (SELECT n FROM t)")).toThrow(/subqueries are not supported in IN/);
    expect(() => parseExpression("(SELECT 1) > 0")).toThrow(/: subqueries are not supported$/);
  });

  it("refuses one past each limit with the limit and how to split the expression", () => {
    expect(() => parseExpression(`${"(".repeat(maxDepth + 1)}n > 1${")".repeat(maxDepth + 1)}`)).toThrow(
      new RegExp(`nests parentheses ${maxDepth + 1} levels deep; the limit is ${maxDepth} levels: split it`),
    );
    expect(() => parseExpression(`s = '${"x".repeat(maxChars - 5)}'`)).toThrow(
      new RegExp(`has ${maxChars + 1} characters; the limit is ${maxChars}: split it: several filter steps`),
    );
    const start = performance.now();
    expect(() => parseExpression(Array.from({ length: 1000 }, (_, i) => `n > ${i}`).join(" AND "))).toThrow(
      new RegExp(`nests more than ${maxDepth} levels deep .*x IN \\(\\.\\.\\.\\)`),
    );
    expect(() => parseExpression(Array.from({ length: 10_000 }, (_, i) => `n > ${i}`).join(" AND "))).toThrow(
      /characters; the limit is/,
    );
    expect(performance.now() - start).toBeLessThan(CASE_LIMIT_MS);
  });
});

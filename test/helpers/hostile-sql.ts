import { EXPRESSION_LIMITS } from "../../runtime/contract/spec/limits.js";
import type { Rng } from "./random.js";

/**
 * Hostile SQL expressions for the fuzz tests of the expression parser and of manifests: each one
 * a class of input that has broken parsers (stack depth, length, quoting, odd bytes). `mustRefuse`
 * marks the ones no correct parser accepts; the rest (token soup, random bytes) may happen to be
 * valid, and then only must not crash or hang.
 */
export interface HostileSql {
  cls: string;
  sql: string;
  mustRefuse: boolean;
}

/** Column names of the stream the expressions run over. */
export interface SqlColumns {
  num: string;
  str: string;
}

const { maxChars, maxDepth } = EXPRESSION_LIMITS;

/**
 * Terms of a chain: mostly just past the depth bound, some past the length bound (refused before
 * parsing), a few the longest that still fit (the slowest to refuse: parsed in full).
 */
function chainLength(rng: Rng, termChars: number): number {
  const fitting = Math.floor(maxChars / termChars);
  const r = rng.next();
  return r < 0.6
    ? rng.int(maxDepth + 1, maxDepth * 2)
    : r < 0.9
      ? rng.int(fitting + 2, 10_000)
      : fitting - rng.int(0, 10);
}

function chain(rng: Rng, term: (i: number) => string, op: string): string {
  const n = chainLength(rng, term(9999).length + op.length);
  return Array.from({ length: n }, (_, i) => term(i)).join(op);
}

function randomText(rng: Rng, n: number, alphabet: string): string {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[rng.range(0, alphabet.length)];
  return s;
}

const TOKENS = [
  "(",
  ")",
  "AND",
  "OR",
  "NOT",
  "+",
  "-",
  "*",
  "/",
  "%",
  "=",
  "<>",
  "<",
  ">=",
  "'",
  '"',
  "`",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "CAST",
  "AS",
  "IN",
  "BETWEEN",
  "LIKE",
  "IS",
  "NULL",
  "TRUE",
  ",",
  "::",
  "||",
  "1",
  "2.5",
  "1e999",
  "'x'",
  "abs",
  "lower",
  "SELECT",
  "FROM",
  "--",
  "/*",
  "*/",
  ";",
  "\\",
];

type Make = (rng: Rng, c: SqlColumns) => HostileSql;

const MAKERS: Make[] = [
  (rng, c) => {
    const n = rng.chance(0.5) ? rng.int(maxDepth + 1, maxDepth * 4) : rng.int(maxDepth * 4, 50_000);
    return { cls: "deep parentheses", sql: `${"(".repeat(n)}${c.num} > 1${")".repeat(n)}`, mustRefuse: true };
  },
  (rng, c) => ({ cls: "long AND chain", sql: chain(rng, (i) => `${c.num} > ${i}`, " AND "), mustRefuse: true }),
  (rng, c) => ({ cls: "long OR chain", sql: chain(rng, (i) => `${c.num} = ${i}`, " OR "), mustRefuse: true }),
  (rng, c) => ({
    cls: "long arithmetic chain",
    sql: `${chain(rng, () => c.num, rng.pick([" + ", " * ", " - "]))} > 0`,
    mustRefuse: true,
  }),
  (rng, c) => ({ cls: "NOT chain", sql: `${"NOT ".repeat(chainLength(rng, 4))}${c.num} > 1`, mustRefuse: true }),
  (rng, c) => {
    const n = rng.int(maxDepth, 2000);
    return {
      cls: "nested CASE",
      sql: `${"CASE WHEN TRUE THEN ".repeat(n)}${c.num}${" END".repeat(n)} > 1`,
      mustRefuse: true,
    };
  },
  (rng, c) => {
    const n = rng.int(maxDepth + 1, 5000);
    return { cls: "nested calls", sql: `${"abs(".repeat(n)}${c.num}${")".repeat(n)} > 1`, mustRefuse: true };
  },
  (rng, c) => ({
    cls: "giant literal",
    sql: `${c.str} = '${"x".repeat(rng.int(maxChars, maxChars * 40))}'`,
    mustRefuse: true,
  }),
  (rng, c) => ({
    cls: "giant number",
    sql: `${c.num} > ${rng.pick(["9".repeat(rng.int(20, 5000)), "1e999", "-1e400", "0.".concat("1".repeat(4000)).concat("e99999")])}`,
    mustRefuse: true,
  }),
  (rng, c) => ({
    cls: "unterminated string or comment",
    sql: rng.pick([
      `${c.str} = 'abc`,
      `${c.str} = "abc`,
      `${c.str} = \`abc`,
      `${c.num} > 1 /* never closed`,
      `'${"a".repeat(rng.int(1, 5000))}`,
    ]),
    mustRefuse: true,
  }),
  (rng, c) => ({
    cls: "unbalanced or injected",
    sql: rng.pick([
      `((${c.num} > 1)`,
      `${c.num} > 1)`,
      `${c.num} > 1; DROP TABLE t`,
      `(SELECT 1) > 0`,
      `${c.num} IN (SELECT ${c.num} FROM t)`,
      `${c.num} >`,
      "",
      "   ",
    ]),
    mustRefuse: true,
  }),
  (rng) => ({
    cls: "token soup",
    sql: Array.from({ length: rng.int(1, 400) }, () => rng.pick(TOKENS)).join(rng.pick([" ", ""])),
    mustRefuse: false,
  }),
  (rng) => ({
    cls: "random characters",
    sql: randomText(rng, rng.int(1, 2000), "()'\"`\\;%_*-+/<>=!|:,.\n\t\0\u2028\u00e9\u{1f600}\ufffdaAzZ09 "),
    mustRefuse: false,
  }),
];

export const HOSTILE_SQL_CLASSES = MAKERS.length;

/** One hostile expression; `which` picks the class (round robin in the tests, so each is covered). */
export function hostileSql(rng: Rng, which: number, columns: SqlColumns): HostileSql {
  return MAKERS[which % MAKERS.length](rng, columns);
}

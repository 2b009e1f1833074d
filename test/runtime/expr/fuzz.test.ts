import { describe, it } from "vitest";
import { Rng } from "../../helpers/random.js";
import {
  and3,
  chars,
  checkExpr,
  cmp,
  div,
  like,
  mod,
  not3,
  or3,
  type Row,
  roundRef,
  substring,
  type V,
} from "./harness.js";

/**
 * Random nested expressions: the generator writes the SQL text and, alongside, a plain JS
 * function computing the same thing row by row. Composition is where vectorized engines go
 * wrong (NULL masks, dictionary lifting inside larger trees, constant folding), so this covers
 * combinations the per-function tests do not.
 */
interface Gen {
  sql: string;
  ref: (r: Row) => V;
  int?: boolean;
}

const NUM_COLS = [
  { sql: "i", int: true },
  { sql: "j", int: true },
  { sql: "l", int: true },
  { sql: "x", int: false },
  { sql: "y", int: false },
];
const STR_COLS = ["s", "t", "d", "e"];
const BOOL_COLS = ["b", "c"];
const STR_LITS = ["Google", "abc", "", "straße", "x_y%z"];
const PATTERNS = ["G%", "%a%", "_b%", "%e", "abc"];
const CMP = ["=", "<>", "<", "<=", ">", ">="] as const;

const holds = (op: (typeof CMP)[number], c: number | null): V =>
  c === null
    ? null
    : op === "="
      ? c === 0
      : op === "<>"
        ? c !== 0
        : op === "<"
          ? c < 0
          : op === "<="
            ? c <= 0
            : op === ">"
              ? c > 0
              : c >= 0;

function num(rng: Rng, depth: number): Gen {
  const k = depth <= 0 ? rng.int(0, 1) : rng.int(0, 9);
  switch (k) {
    case 0: {
      const c = rng.pick(NUM_COLS);
      return { sql: c.sql, ref: (r) => r[c.sql], int: c.int };
    }
    case 1: {
      if (rng.chance(0.5)) {
        const v = rng.int(-3, 5);
        return { sql: v < 0 ? `(${v})` : `${v}`, ref: () => v, int: true };
      }
      const v = rng.pick([0.5, 2.25, 10.0]);
      return { sql: v.toFixed(2), ref: () => v, int: false };
    }
    case 2: {
      const a = num(rng, depth - 1);
      const b = num(rng, depth - 1);
      const op = rng.pick(["+", "-", "*", "/", "%"]);
      const int = !!a.int && !!b.int;
      const f = (x: V, y: V): V =>
        x === null || y === null
          ? null
          : op === "+"
            ? Number(x) + Number(y)
            : op === "-"
              ? Number(x) - Number(y)
              : op === "*"
                ? Number(x) * Number(y)
                : op === "/"
                  ? div(x, y, int)
                  : mod(x, y);
      return { sql: `(${a.sql} ${op} ${b.sql})`, ref: (r) => f(a.ref(r), b.ref(r)), int };
    }
    case 3: {
      const a = num(rng, depth - 1);
      return { sql: `-(${a.sql})`, ref: (r) => (a.ref(r) === null ? null : -Number(a.ref(r))), int: a.int };
    }
    case 4: {
      const a = num(rng, depth - 1);
      const fn = rng.pick(["ABS", "FLOOR", "CEIL"]);
      const f = fn === "ABS" ? Math.abs : fn === "FLOOR" ? Math.floor : Math.ceil;
      return { sql: `${fn}(${a.sql})`, ref: (r) => (a.ref(r) === null ? null : f(Number(a.ref(r)))), int: a.int };
    }
    case 5: {
      const a = num(rng, depth - 1);
      const d = rng.int(0, 2);
      return { sql: `ROUND(${a.sql}, ${d})`, ref: (r) => roundRef(a.ref(r), d), int: a.int };
    }
    case 6: {
      const s = str(rng, depth - 1);
      return {
        sql: `LENGTH(${s.sql})`,
        ref: (r) => (s.ref(r) === null ? null : chars(String(s.ref(r))).length),
        int: true,
      };
    }
    case 7: {
      const c = bool(rng, depth - 1);
      const a = num(rng, depth - 1);
      const b = num(rng, depth - 1);
      return {
        sql: `CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END`,
        ref: (r) => (c.ref(r) === true ? a.ref(r) : b.ref(r)),
        int: a.int && b.int,
      };
    }
    case 8: {
      const a = num(rng, depth - 1);
      const b = num(rng, depth - 1);
      return { sql: `COALESCE(${a.sql}, ${b.sql})`, ref: (r) => a.ref(r) ?? b.ref(r), int: a.int && b.int };
    }
    default: {
      const a = num(rng, depth - 1);
      const b = num(rng, depth - 1);
      return {
        sql: `NULLIF(${a.sql}, ${b.sql})`,
        ref: (r) => (a.ref(r) !== null && cmp(a.ref(r), b.ref(r)) === 0 ? null : a.ref(r)),
        int: a.int,
      };
    }
  }
}

function str(rng: Rng, depth: number): Gen {
  const k = depth <= 0 ? rng.int(0, 1) : rng.int(0, 7);
  switch (k) {
    case 0: {
      const c = rng.pick(STR_COLS);
      return { sql: c, ref: (r) => r[c] };
    }
    case 1: {
      const v = rng.pick(STR_LITS);
      return { sql: `'${v}'`, ref: () => v };
    }
    case 2: {
      const a = str(rng, depth - 1);
      const up = rng.chance(0.5);
      return {
        sql: `${up ? "UPPER" : "LOWER"}(${a.sql})`,
        ref: (r) => (a.ref(r) === null ? null : up ? String(a.ref(r)).toUpperCase() : String(a.ref(r)).toLowerCase()),
      };
    }
    case 3: {
      const a = str(rng, depth - 1);
      const p = rng.int(-1, 4);
      const n = rng.int(0, 5);
      return { sql: `SUBSTRING(${a.sql}, ${p}, ${n})`, ref: (r) => substring(a.ref(r), p, n) };
    }
    case 4: {
      const a = str(rng, depth - 1);
      const b = str(rng, depth - 1);
      return rng.chance(0.5)
        ? {
            sql: `(${a.sql} || ${b.sql})`,
            ref: (r) => (a.ref(r) === null || b.ref(r) === null ? null : String(a.ref(r)) + String(b.ref(r))),
          }
        : { sql: `CONCAT(${a.sql}, ${b.sql})`, ref: (r) => String(a.ref(r) ?? "") + String(b.ref(r) ?? "") };
    }
    case 5: {
      const c = bool(rng, depth - 1);
      const a = str(rng, depth - 1);
      const b = str(rng, depth - 1);
      return {
        sql: `CASE WHEN ${c.sql} THEN ${a.sql} ELSE ${b.sql} END`,
        ref: (r) => (c.ref(r) === true ? a.ref(r) : b.ref(r)),
      };
    }
    case 6: {
      const a = str(rng, depth - 1);
      const b = str(rng, depth - 1);
      return { sql: `COALESCE(${a.sql}, ${b.sql})`, ref: (r) => a.ref(r) ?? b.ref(r) };
    }
    default: {
      const a = str(rng, depth - 1);
      return {
        sql: `TRIM(${a.sql})`,
        ref: (r) => (a.ref(r) === null ? null : String(a.ref(r)).replace(/^ +| +$/g, "")),
      };
    }
  }
}

/** `flat`: no AND/OR at the top (a term of a flat chain). */
function bool(rng: Rng, depth: number, flat = false): Gen {
  let k = depth <= 0 ? 0 : rng.int(0, 8);
  if (flat && (k === 3 || k === 4)) k = 8;
  switch (k) {
    case 0: {
      const c = rng.pick(BOOL_COLS);
      return { sql: c, ref: (r) => r[c] };
    }
    case 1: {
      const a = num(rng, depth - 1);
      const b = num(rng, depth - 1);
      const op = rng.pick(CMP);
      return { sql: `${a.sql} ${op} ${b.sql}`, ref: (r) => holds(op, cmp(a.ref(r), b.ref(r))) };
    }
    case 2: {
      const a = str(rng, depth - 1);
      const b = str(rng, depth - 1);
      const op = rng.pick(CMP);
      return { sql: `${a.sql} ${op} ${b.sql}`, ref: (r) => holds(op, cmp(a.ref(r), b.ref(r))) };
    }
    case 3:
    case 4: {
      const a = bool(rng, depth - 1);
      const b = bool(rng, depth - 1);
      const and = k === 3;
      return {
        sql: `(${a.sql}) ${and ? "AND" : "OR"} (${b.sql})`,
        ref: (r) => (and ? and3(a.ref(r), b.ref(r)) : or3(a.ref(r), b.ref(r))),
        int: false,
      };
    }
    case 5: {
      const a = bool(rng, depth - 1);
      return { sql: `NOT (${a.sql})`, ref: (r) => not3(a.ref(r)) };
    }
    case 6: {
      const a = rng.chance(0.5) ? str(rng, depth - 1) : num(rng, depth - 1);
      const neg = rng.chance(0.5);
      return { sql: `(${a.sql}) IS ${neg ? "NOT " : ""}NULL`, ref: (r) => (a.ref(r) === null) !== neg };
    }
    case 7: {
      const a = str(rng, depth - 1);
      const p = rng.pick(PATTERNS);
      return { sql: `${a.sql} LIKE '${p}'`, ref: (r) => like(a.ref(r), p) };
    }
    default: {
      const a = num(rng, depth - 1);
      const lo = rng.int(-20, 0);
      const hi = rng.int(0, 20);
      return {
        sql: `${a.sql} BETWEEN ${lo} AND ${hi}`,
        ref: (r) => and3(holds(">=", cmp(a.ref(r), lo)), holds("<=", cmp(a.ref(r), hi))),
      };
    }
  }
}

function group(g: Gen): Gen {
  return { ...g, sql: `(${g.sql})` };
}

describe("random nested expressions match a row-at-a-time reference", () => {
  const rng = new Rng(20240601);
  for (let k = 0; k < 150; k++) {
    const kind = k % 3;
    const depth = 1 + (k % 4);
    const g = kind === 0 ? num(rng, depth) : kind === 1 ? str(rng, depth) : group(bool(rng, depth));
    it(`#${k}: ${g.sql}`, () => checkExpr(g.sql, g.ref, k));
  }
});

describe("AND/OR chains without parentheses follow SQL precedence", () => {
  const rng = new Rng(7);
  for (let k = 0; k < 30; k++) {
    // A flat chain a0 op a1 op a2 ... of comparisons; reference groups AND before OR.
    const terms = Array.from({ length: rng.int(3, 6) }, () => bool(rng, 1, true));
    const ops = terms.slice(1).map(() => (rng.chance(0.5) ? "AND" : "OR"));
    const sql = terms.map((t, i) => (i === 0 ? t.sql : `${ops[i - 1]} ${t.sql}`)).join(" ");
    const ref = (r: Row): V => {
      let acc: V = false;
      let conj: V = terms[0].ref(r);
      for (let i = 1; i < terms.length; i++) {
        if (ops[i - 1] === "AND") conj = and3(conj, terms[i].ref(r));
        else {
          acc = or3(acc, conj);
          conj = terms[i].ref(r);
        }
      }
      return or3(acc, conj);
    };
    it(`#${k}: ${sql}`, () => checkExpr(sql, ref, 100 + k));
  }
});

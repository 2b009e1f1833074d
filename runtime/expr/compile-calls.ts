import type { Expr } from "./ast.js";
import { arith } from "./eval-arith.js";
import { cast } from "./eval-cast.js";
import { choose, pickRest, pickValid, UNSET } from "./eval-choose.js";
import { compare } from "./eval-compare.js";
import { mathFn, round } from "./eval-math.js";
import { changeCase, charLength, concat, substring, trim } from "./eval-strings.js";
import {
  compileDateFormat,
  countChar,
  dateFormat,
  regexpExtract,
  splitIndex,
  type TIME_PARTS,
  timePart,
} from "./eval-text-time.js";
import { constantNode, kernelNode, type Node } from "./node.js";
import { arithmeticType, commonType, comparisonDomain, isInteger, isNumeric, kindOf, requireType } from "./types.js";
import { type Operand, scalar } from "./vec.js";

/**
 * What a function's compiler needs from the expression compiler. Declared here, not imported
 * from compile.ts, so that compile.ts depends on this file and not the other way round.
 */
export interface CallScope {
  readonly where: string;
  fail(what: string): never;
  compile(e: Expr): Node;
}

/** SQL functions: name → arity and compiler. */
const FUNCTIONS: Record<
  string,
  { min: number; max: number; compile: (c: CallScope, args: Node[], name: string) => Node }
> = {
  COALESCE: { min: 1, max: Infinity, compile: coalesce },
  NULLIF: { min: 2, max: 2, compile: nullif },
  LOWER: { min: 1, max: 1, compile: (c, [s]) => strFn(c, "LOWER", s, (x, n) => changeCase(x, false, n)) },
  UPPER: { min: 1, max: 1, compile: (c, [s]) => strFn(c, "UPPER", s, (x, n) => changeCase(x, true, n)) },
  LENGTH: { min: 1, max: 1, compile: length },
  CHAR_LENGTH: { min: 1, max: 1, compile: length },
  CHARACTER_LENGTH: { min: 1, max: 1, compile: length },
  SUBSTRING: { min: 2, max: 3, compile: substr },
  SUBSTR: { min: 2, max: 3, compile: substr },
  CONCAT: {
    min: 1,
    max: Infinity,
    compile: (_c, args) =>
      kernelNode(
        "utf8",
        args.map((a) => textOf(a)),
        (xs, n) => concat(xs, true, n),
      ),
  },
  TRIM: { min: 1, max: 2, compile: (c, args, name) => trimFn(c, args, name, true, true) },
  LTRIM: { min: 1, max: 2, compile: (c, args, name) => trimFn(c, args, name, true, false) },
  RTRIM: { min: 1, max: 2, compile: (c, args, name) => trimFn(c, args, name, false, true) },
  ABS: { min: 1, max: 1, compile: (c, [x]) => numFn(c, "ABS", x, "ABS") },
  FLOOR: { min: 1, max: 1, compile: (c, [x]) => numFn(c, "FLOOR", x, "FLOOR") },
  CEIL: { min: 1, max: 1, compile: (c, [x]) => numFn(c, "CEIL", x, "CEIL") },
  CEILING: { min: 1, max: 1, compile: (c, [x]) => numFn(c, "CEILING", x, "CEIL") },
  ROUND: { min: 1, max: 2, compile: roundFn },
  HOUR: { min: 1, max: 1, compile: (c, [t], name) => timePartFn(c, t, name as keyof typeof TIME_PARTS) },
  MINUTE: { min: 1, max: 1, compile: (c, [t], name) => timePartFn(c, t, name as keyof typeof TIME_PARTS) },
  SECOND: { min: 1, max: 1, compile: (c, [t], name) => timePartFn(c, t, name as keyof typeof TIME_PARTS) },
  DATE_FORMAT: { min: 2, max: 2, compile: dateFormatFn },
  REGEXP_EXTRACT: { min: 2, max: 3, compile: regexpExtractFn },
  SPLIT_INDEX: { min: 3, max: 3, compile: splitIndexFn },
  COUNT_CHAR: { min: 2, max: 2, compile: countCharFn },
  MOD: {
    min: 2,
    max: 2,
    compile: (c, [a, b]) => {
      const type = arithmeticType("%", a.type, b.type, `${c.where}: MOD`);
      return kernelNode(type, [a, b], ([x, y], n) => arith("%", x, y, n, type !== "float64"));
    },
  },
};

const AGGREGATES = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);

export function compileCall(c: CallScope, name: string, argExprs: Expr[]): Node {
  const fn = FUNCTIONS[name];
  if (!fn) {
    if (AGGREGATES.has(name)) c.fail(`aggregate ${name}() is not allowed in an expression; use an \`aggregate\` step`);
    c.fail(`unsupported function ${name}() (supported: ${Object.keys(FUNCTIONS).join(", ")}, CAST)`);
  }
  const n = argExprs.length;
  if (n < fn.min || n > fn.max) {
    const want =
      fn.min === fn.max ? `${fn.min}` : fn.max === Infinity ? `at least ${fn.min}` : `${fn.min} to ${fn.max}`;
    c.fail(`${name}() takes ${want} argument${fn.min === 1 && fn.max === 1 ? "" : "s"}, got ${n}`);
  }
  return fn.compile(
    c,
    argExprs.map((a) => c.compile(a)),
    name,
  );
}

function textOf(a: Node): Node {
  if (a.type === "utf8" || a.type === "null") return a;
  return kernelNode("utf8", [a], ([x], n) => cast(x, a.type, "utf8", n));
}

function strFn(c: CallScope, name: string, s: Node, k: (x: Operand, n: number) => Operand): Node {
  requireType(s.type, (t) => t === "utf8", `${name}() needs a string`, c.where);
  return kernelNode("utf8", [s], ([x], n) => k(x, n));
}

function length(c: CallScope, [s]: Node[], name: string): Node {
  requireType(s.type, (t) => t === "utf8", `${name}() needs a string`, c.where);
  return kernelNode("int32", [s], ([x], n) => charLength(x, n));
}

function substr(c: CallScope, [s, start, len]: Node[], name: string): Node {
  requireType(s.type, (t) => t === "utf8", `${name}() needs a string`, c.where);
  requireType(start.type, isInteger, `${name}() start position must be an integer`, c.where);
  if (len) requireType(len.type, isInteger, `${name}() length must be an integer`, c.where);
  return kernelNode("utf8", len ? [s, start, len] : [s, start], ([x, p, l], n) => substring(x, p, l ?? null, n));
}

function trimFn(c: CallScope, [s, chars]: Node[], name: string, leading: boolean, trailing: boolean): Node {
  requireType(s.type, (t) => t === "utf8", `${name}() needs a string`, c.where);
  let set: Uint8Array = new Uint8Array([0x20]);
  if (chars) {
    const v = chars.constant?.value;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range includes the control characters on purpose
    if (typeof v !== "string" || !/^[\x00-\x7f]*$/.test(v))
      c.fail(`${name}() characters must be an ASCII string literal`);
    set = chars.constant!.bytes!;
  }
  return kernelNode("utf8", [s], ([x], n) => trim(x, set, leading, trailing, n));
}

function numFn(c: CallScope, name: string, x: Node, fn: "ABS" | "FLOOR" | "CEIL"): Node {
  requireType(x.type, isNumeric, `${name}() needs a number`, c.where);
  return kernelNode(x.type === "float64" ? "float64" : x.type === "null" ? "null" : "int64", [x], ([v], n) =>
    mathFn(fn, v, n),
  );
}

function roundFn(c: CallScope, [x, d]: Node[]): Node {
  requireType(x.type, isNumeric, "ROUND() needs a number", c.where);
  let digits = 0;
  if (d) {
    const v = d.constant?.value;
    if (typeof v !== "number" || !Number.isInteger(v) || !isInteger(d.type))
      c.fail("ROUND() digits must be an integer literal");
    digits = v;
  }
  return kernelNode(x.type === "float64" ? "float64" : x.type === "null" ? "null" : "int64", [x], ([v], n) =>
    round(v, digits, n),
  );
}

function coalesce(c: CallScope, args: Node[]): Node {
  const type = commonType(
    args.map((a) => a.type),
    `${c.where}: COALESCE`,
  );
  if (type === "null") return constantNode("null", scalar(null));
  return kernelNode(type, args, (xs, n) => {
    const pick = new Int32Array(n).fill(UNSET);
    for (let i = 0; i < xs.length; i++) pickValid(xs[i], i, pick, n);
    pickRest(pick, -1, n);
    return choose(xs, pick, kindOf(type), n);
  });
}

function nullif(c: CallScope, [a, b]: Node[]): Node {
  const domain = comparisonDomain(a.type, b.type, `${c.where}: NULLIF`);
  if (a.type === "null") return constantNode("null", scalar(null));
  const type = a.type;
  return kernelNode(type, [a, b], ([v, w], n) => {
    const eq = compare("=", v, w, n, domain);
    const pick = new Int32Array(n);
    for (let i = 0; i < n; i++) pick[i] = eq.values[i] && (!eq.valid || eq.valid[i]) ? -1 : 0;
    return choose([v], pick, kindOf(type), n);
  });
}

function timePartFn(c: CallScope, t: Node, name: keyof typeof TIME_PARTS): Node {
  requireType(t.type, (x) => x === "timestamp[ms]", `${name}() needs a timestamp`, c.where);
  return kernelNode(t.type === "null" ? "null" : "int64", [t], ([v], n) => timePart(name, v, n));
}

/** A literal argument's value, or a failure naming the function and what it must be. */
function literal<T extends "string" | "number">(
  c: CallScope,
  a: Node,
  type: T,
  what: string,
): T extends "string" ? string : number {
  const v = a.constant?.value;
  if (typeof v !== type || (type === "number" && !(Number.isInteger(v) && (v as number) >= 0))) c.fail(what);
  return v as T extends "string" ? string : number;
}

function dateFormatFn(c: CallScope, [t, f]: Node[]): Node {
  requireType(t.type, (x) => x === "timestamp[ms]", "DATE_FORMAT() needs a timestamp", c.where);
  const pattern = literal(c, f, "string", "DATE_FORMAT() format must be a string literal, e.g. 'yyyy-MM-dd HH:mm'");
  const pieces = compileDateFormat(pattern);
  if ("unsupported" in pieces)
    c.fail(`DATE_FORMAT(): pattern letter '${pieces.unsupported}' is not supported (use y, M, d, H, m, s, S)`);
  return kernelNode("utf8", [t], ([v], n) => dateFormat(v, pieces, n));
}

function regexpExtractFn(c: CallScope, [s, r, g]: Node[]): Node {
  requireType(s.type, (x) => x === "utf8", "REGEXP_EXTRACT() needs a string", c.where);
  const source = literal(c, r, "string", "REGEXP_EXTRACT() regex must be a string literal");
  const group = g ? literal(c, g, "number", "REGEXP_EXTRACT() group must be a non-negative integer literal") : 0;
  let re: RegExp;
  try {
    re = new RegExp(source, "u");
  } catch (err) {
    c.fail(`REGEXP_EXTRACT(): ${(err as Error).message}`);
  }
  return kernelNode("utf8", [s], ([v], n) => regexpExtract(v, re, group, n));
}

function splitIndexFn(c: CallScope, [s, sep, i]: Node[]): Node {
  requireType(s.type, (x) => x === "utf8", "SPLIT_INDEX() needs a string", c.where);
  const by = literal(c, sep, "string", "SPLIT_INDEX() separator must be a string literal");
  if (by === "") c.fail("SPLIT_INDEX() separator must not be empty");
  const index = literal(c, i, "number", "SPLIT_INDEX() index must be a non-negative integer literal");
  return kernelNode("utf8", [s], ([v], n) => splitIndex(v, by, index, n));
}

function countCharFn(c: CallScope, [s, ch]: Node[]): Node {
  requireType(s.type, (x) => x === "utf8", "COUNT_CHAR() needs a string", c.where);
  const what = literal(c, ch, "string", "COUNT_CHAR() character must be a string literal");
  if (what === "") c.fail("COUNT_CHAR() character must not be empty");
  return kernelNode("int64", [s], ([v], n) => countChar(v, what, n));
}

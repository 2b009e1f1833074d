import type { Node, Source } from "./node.js";
import { type BoolVec, type DictVec, type NumVec, type Operand, plain, type StrVec, type Vec } from "./vec.js";

/**
 * Dictionary lifting: a subexpression that reads only one dictionary-encoded column
 * (`channel <> 'Google'`, `LOWER(channel)`, `CASE channel WHEN ... END`) is evaluated once per
 * dictionary entry, plus one extra entry standing for NULL, and rows then just look up their
 * entry's result. Results are cached per dictionary, so batches that share a dictionary pay
 * only the lookup. String results stay dictionary-encoded. `inner` is the subexpression compiled
 * as if `column` were plain utf8.
 */
export function liftDictionary(inner: Node, column: number): Node {
  if (inner.constant) return inner;
  let cachedFor: object | null = null;
  let perEntry: Vec | null = null;
  let entriesValid = false;
  const evalPlain = (v: StrVec): Operand => inner.eval(singleColumn(column, v));
  return {
    type: inner.type,
    constant: null,
    dict: inner.type === "utf8",
    eval(src: Source): Operand {
      const col = src.column(column);
      if (col.kind !== "dict") return evalPlain(col as StrVec); // a batch that arrived without a dictionary
      if (col.source !== cachedFor) {
        const out = inner.eval(singleColumn(column, withNullEntry(col.dict)));
        perEntry = out.kind === "scalar" ? null : out.kind === "dict" ? null : out;
        if (!perEntry) return evalPlain(plain(col));
        cachedFor = col.source;
        entriesValid = allValid(perEntry.valid, col.dict.length);
      }
      return lookup(perEntry!, col, entriesValid);
    },
  };
}

function singleColumn(index: number, v: StrVec): Source {
  return { length: v.length, column: (i) => (i === index ? v : unreachable(i)) };
}

function unreachable(i: number): never {
  throw new Error(`internal: lifted expression read column ${i}`);
}

/** The dictionary's entries followed by one NULL entry (index = dictionary length). */
function withNullEntry(d: StrVec): StrVec {
  const m = d.length;
  const offsets = new Int32Array(m + 2);
  offsets.set(d.offsets.subarray(0, m + 1));
  offsets[m + 1] = offsets[m];
  const valid = new Uint8Array(m + 1);
  if (d.valid) valid.set(d.valid.subarray(0, m));
  else valid.fill(1, 0, m);
  return { kind: "str", length: m + 1, offsets, bytes: d.bytes, valid };
}

function allValid(valid: Uint8Array | null, m: number): boolean {
  if (!valid) return true;
  for (let i = 0; i < m; i++) if (!valid[i]) return false;
  return true;
}

/** Row i takes entry keys[i], or the NULL entry when the row is NULL. */
function lookup(res: Vec, col: DictVec, entriesValid: boolean): Vec {
  const n = col.length;
  const nullEntry = res.length - 1;
  let keys = col.keys;
  if (col.valid) {
    keys = new Int32Array(n);
    const v = col.valid;
    for (let i = 0; i < n; i++) keys[i] = v[i] ? col.keys[i] : nullEntry;
  }
  let valid: Uint8Array | null = null;
  if (res.valid && !(entriesValid && !col.valid)) {
    valid = new Uint8Array(n);
    const rv = res.valid;
    for (let i = 0; i < n; i++) valid[i] = rv[keys[i]];
  }
  if (res.kind === "str") return { kind: "dict", length: n, keys, dict: res, source: res, valid };
  if (res.kind === "bool") {
    const out = new Uint8Array(n);
    const rv = (res as BoolVec).values;
    for (let i = 0; i < n; i++) out[i] = rv[keys[i]];
    return { kind: "bool", length: n, values: out, valid };
  }
  const out = new Float64Array(n);
  const rv = (res as NumVec).values;
  for (let i = 0; i < n; i++) out[i] = rv[keys[i]];
  return { kind: "num", length: n, values: out, valid };
}

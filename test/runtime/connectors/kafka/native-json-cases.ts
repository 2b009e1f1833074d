import type { Data, RecordBatch } from "apache-arrow";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { columnsOf, isValid, stringAt } from "../../../../runtime/types/column.js";

/** Cases for the native json decoder against json.ts (the reference), shared by its unit and broker tests. */

export const NATIVE_CASE_FIELDS: FieldSpec[] = [
  { name: "i", type: "int32" },
  { name: "l", type: "int64" },
  { name: "f", type: "float64" },
  { name: "b", type: "bool" },
  { name: "s", type: "utf8" },
  { name: "t", type: "timestamp[ms]" },
  { name: "req", type: "int64", nullable: false },
];
/** One column's row as a comparable value: bigint for 64-bit, Object.is-exact numbers, strings. */
function cell(col: Data, i: number): unknown {
  if (!isValid(col, i)) return null;
  const v = col.values as unknown;
  if (v instanceof BigInt64Array) return v[i];
  if (v instanceof Float64Array) return Object.is(v[i], -0) ? "-0" : Number.isNaN(v[i]) ? "NaN" : v[i];
  if (v instanceof Int32Array && !col.valueOffsets) return v[i];
  if (col.valueOffsets) return stringAt(col, i);
  const j = col.offset + i;
  return ((v as Uint8Array)[j >> 3] >> (j & 7)) & 1;
}

export function rows(batch: RecordBatch | undefined): unknown[][] {
  if (!batch) return [];
  const cols = columnsOf(batch);
  return Array.from({ length: batch.numRows }, (_, i) => cols.map((c) => cell(c, i)));
}

const EDGE_TEXT = [
  '{"req":1}',
  ' \t\r\n{ "req" : 2 , "i" : -0, "f": -0 } \n',
  '{"req":3,"i":2147483647,"l":9007199254740993,"f":1e308}',
  '{"req":4,"i":2147483648}',
  '{"req":5,"i":1.0,"l":1e3,"f":5e-324}',
  '{"req":6,"l":"9223372036854775807","t":"-9223372036854775808"}',
  '{"req":7,"l":"9223372036854775808"}',
  '{"req":8,"l":12345678901234567890,"t":-1e19}',
  '{"req":9,"l":1e300,"f":"NaN"}',
  '{"req":10,"f":"Infinity","s":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
  '{"req":11,"s":"h\\u00e9 \\ud83d\\ude00 ☃ 😀","toString":"x"}',
  '{"req":12,"s":"lone \\ud800"}',
  '{"req":13,"s":"lone \\udc00 low"}',
  '{"req":14,"s":"a","s":"b"}',
  '{"req":15,"f":1e400}',
  '{"req":16,"f":1e-400}',
  '{"req":17,"t":"2024-02-29T12:34:56.789Z"}',
  '{"req":18,"t":"2024-02-30T00:00:00Z"}',
  '{"req":19,"t":"2024-03-01T01:02:03+05:30"}',
  '{"req":20,"t":"2024-03-01"}',
  '{"req":21,"t":"2024-03-01T01:02:03"}',
  '{"req":22,"t":"March 1, 2024 UTC"}',
  '{"req":23,"t":"garbage"}',
  '{"req":24,"b":true,"x":{"deep":[1,2,{"a":null}],"e":[]},"y":[]}',
  '{"req":25,"b":"true"}',
  '{"req":26,"i":"1"}',
  '{"req":27,"s":5}',
  '{"req":28,"s":null,"i":null}',
  '{"i":1}',
  '{"req":null}',
  '{"req":29,"\\u0069":7}',
  '{"req":30,"x":tru}',
  '{"req":31,}',
  "{'req':32}",
  '{"req":01}',
  '{"req":+1}',
  '{"req":33,"f":.5}',
  '{"req":34,"f":1.}',
  '{"req":35,"s":"ctl\u0001"}',
  '{"req":36,"s":"bad \\x escape"}',
  '{"req":37}x',
  '[{"req":38}]',
  "38",
  "null",
  "",
  '\uFEFF{"req":39}',
  '{"req":40,"x":"\\ud800"}',
  '{"req":41,"l":"-0","t":"00012"}',
  '{"req":42,"l":-9223372036854775808,"t":9223372036854775807}',
  '{"req":43,"s":"\\u0000"}',
  '{"req":44,"f":-1.5e-7,"l":-2.5}',
  '{"__proto__":1,"req":45}',
  '{"req":46,"l":"12345678901234567890"}',
  '{"req":47,"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
  '{"req":48,"x":[1,2,]}',
  '{"req":49,"x":{"a":1,}}',
  '{"req":50,"x":{"a" 1}}',
  '{"req":51 "i":1}',
];

/** The edge cases as message bytes, with one of invalid UTF-8 at the end. */
export function edgeJson(): Uint8Array[] {
  const out = EDGE_TEXT.map((s) => new Uint8Array(Buffer.from(s, "utf8")));
  out.push(
    new Uint8Array([
      0x7b, 0x22, 0x72, 0x65, 0x71, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d,
    ]),
  );
  return out;
}

/** `count` random messages of NATIVE_CASE_FIELDS: mostly rows, some wrong types, extra fields, cut-off text. */
export function randomJson(count: number, seedValue: number): Uint8Array[] {
  let seed = seedValue;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  // Mostly good values, so that most messages are rows; the wrong ones make bad messages.
  const good = (ok: () => string, wrong: string[]) => () => (rand() < 0.97 ? ok() : pick(wrong));
  const values: Record<string, () => string> = {
    i: good(
      () => pick(["0", "-7", "2147483647", "-2147483648", "3e2", "null", "-0"]),
      ["2147483648", "1.5", '"4"', "true"],
    ),
    l: good(
      () => pick([String(Math.floor(rand() * 2 ** 60)), "-1", '"-42"', "2e25", "null", '"9223372036854775807"']),
      ['"99999999999999999999"', "1.25", "{}"],
    ),
    f: good(
      () => pick([String(rand() * 1e6 - 5e5), "-0", "1e-310", '"NaN"', '"-Infinity"', "7", "null"]),
      ['"x"', "[]"],
    ),
    b: good(() => pick(["true", "false", "null"]), ["0", '"false"']),
    s: good(
      () => JSON.stringify(pick(["", "plain", "é☃😀", 'q"uo\\te', "tab\tnl\n", "\u0000\u001f", "x".repeat(300)])),
      ["1"],
    ),
    t: good(
      () => pick(["1700000000000", '"2023-11-14T22:13:20.000Z"', '"2023-11-14"', '"2023-11-14T22:13:20+01:00"']),
      ['"nope"', "1.5"],
    ),
    req: good(() => pick(["1", "2", "9007199254740993"]), ["null"]),
  };
  const messages: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    for (const name of Object.keys(values))
      if (name === "req" || rand() < 0.85) parts.push(`${JSON.stringify(name)}:${values[name]()}`);
    if (rand() < 0.2) parts.push(`"extra":${pick(['{"a":[1,{"b":"c"}]}', "[]", '"\\ud83d"', "1e999"])}`);
    parts.sort(() => rand() - 0.5);
    let text = `{${parts.join(pick([",", " , ", ",\n"]))}}`;
    if (rand() < 0.01) text = text.slice(0, Math.floor(rand() * text.length));
    messages.push(new Uint8Array(Buffer.from(text, "utf8")));
  }
  return messages;
}

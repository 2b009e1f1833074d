/**
 * Avro messages of NATIVE_CASE_FIELDS' record schema (runtime/formats/avro.ts: every field a
 * ["null", T] union, in column order), written byte by byte so that the cases can be what avsc
 * refuses or reads its own way: the native avro decoder's unit and broker tests share them.
 */

/** i int, l long, f double, b boolean, s string, t timestamp-millis, req long (not nullable). */
type Field = "i" | "l" | "f" | "b" | "s" | "t" | "req";

function zigzag(v: bigint): bigint {
  return v >= 0n ? v << 1n : (-v << 1n) - 1n;
}

/** A varint of a zigzag-encoded value; `pad` adds non-minimal zero groups (avsc reads them). */
export function varint(v: bigint | number, pad = 0): number[] {
  let z = zigzag(BigInt(v));
  const out: number[] = [];
  do {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  } while (z > 0n);
  for (let i = 0; i < pad; i++) out.push(0x80);
  out[out.length - 1] &= 0x7f;
  return out;
}

function double(v: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...b];
}

function string(s: string | Uint8Array): number[] {
  const bytes = typeof s === "string" ? Buffer.from(s, "utf8") : s;
  return [...varint(bytes.length), ...bytes];
}

/** A field's value as its union branch 1, or null (branch 0). */
function value(f: Field, v: unknown): number[] {
  if (v === null) return [0];
  switch (f) {
    case "f":
      return [2, ...double(v as number)];
    case "b":
      return [2, v ? 1 : 0];
    case "s":
      return [2, ...string(v as string)];
    default:
      return [2, ...varint(v as number | bigint)];
  }
}

const ORDER: Field[] = ["i", "l", "f", "b", "s", "t", "req"];

/** A message of the given values (missing ones null); `raw` replaces a field's bytes entirely. */
export function avroMessage(values: Partial<Record<Field, unknown>>, raw: Partial<Record<Field, number[]>> = {}) {
  const out: number[] = [];
  for (const f of ORDER) out.push(...(raw[f] ?? value(f, values[f] ?? null)));
  return new Uint8Array(out);
}

/** Edge cases: limits of each type, nulls, and what avsc refuses or reads its own way. */
export function edgeAvro(): Uint8Array[] {
  const m = avroMessage;
  const cases = [
    m({ req: 1 }),
    m({ req: 2, i: 2147483647, l: 9007199254740990n, f: -0, b: true, s: "", t: 0 }),
    m({ req: 3, i: -2147483648, l: -9007199254740990n, f: Number.NaN, b: false, s: "héllo 😀", t: -1 }),
    m({ req: 4, f: Number.POSITIVE_INFINITY, t: 1_700_000_000_123 }),
    m({ req: 5, f: 5e-324, s: "x".repeat(300) }),
    m({ req: 6 }, { i: [2, ...varint(2147483648)] }), // beyond int32: wrong-type
    m({ req: 7 }, { l: [2, ...varint(9007199254740991n)] }), // avsc: potential precision loss
    m({ req: 8 }, { l: [2, ...varint(-(2n ** 63n))] }),
    m({ req: 9 }, { l: [2, ...varint(2n ** 63n - 1n)] }),
    m({ req: 10 }, { b: [2, 2] }), // avsc reads any non-zero byte as true
    m({ req: 11 }, { s: [2, ...string(new Uint8Array([0x61, 0xff, 0x62]))] }), // invalid UTF-8: U+FFFD
    m({ req: 12 }, { s: [2, ...varint(-1)] }), // negative length
    m({ req: 13 }, { s: [2, ...varint(50), 0x61] }), // length beyond the message
    m({ req: 14 }, { i: [4] }), // union index 2
    m({ req: 15 }, { i: [1] }), // union index -1
    m({ req: 16 }, { i: [0x82, 0x00, ...varint(5)] }), // non-minimal union index 1
    m({ req: 17 }, { l: [2, ...varint(7, 2)] }), // non-minimal long
    m({}), // req null: missing-field
    m({ req: 18, t: 2n ** 40n }),
    new Uint8Array(0),
    new Uint8Array([2]),
    new Uint8Array([...m({ req: 19 }), 0]), // trailing data
    m({ req: 20 }).subarray(0, 5), // truncated
    new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), // runaway varint
  ];
  return cases;
}

/** `count` random messages: mostly rows, some with a field avsc refuses, cut off, or with extra bytes. */
export function randomAvro(count: number, seedValue: number): Uint8Array[] {
  let seed = seedValue;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const alphabet = ["a", "Z", "0", " ", "é", "ß", "中", "😀", '"', "\\", "\n", "\u0000"];
  const text = () => Array.from({ length: int(0, 12) }, () => alphabet[int(0, alphabet.length - 1)]).join("");
  const gen: Record<Field, () => unknown> = {
    i: () => int(-2147483648, 2147483647),
    l: () => (rand() < 0.1 ? BigInt(int(-1, 1)) * 9007199254740990n : BigInt(int(-1e9, 1e9)) * 1000n),
    f: () => (rand() < 0.1 ? [-0, Number.NaN, Number.MAX_VALUE, 5e-324][int(0, 3)] : (rand() - 0.5) * 1e6),
    b: () => rand() < 0.5,
    s: text,
    t: () => int(0, 2_000_000_000) * 1000,
    req: () => int(-1e6, 1e6),
  };
  const broken: (() => number[])[] = [
    () => [2, ...varint(int(2147483648, 2 ** 40))],
    () => [2, ...varint(9007199254740991n + BigInt(int(0, 1e6)))],
    () => [2, 2 + int(0, 200)],
    () => [2, ...string(new Uint8Array([0x61, int(0x80, 0xff)]))],
    () => [int(2, 6)],
    () => [0x82, 0x00, 0],
  ];
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const values: Partial<Record<Field, unknown>> = {};
    for (const f of ORDER) values[f] = rand() < 0.1 ? null : gen[f]();
    const raw: Partial<Record<Field, number[]>> = {};
    if (rand() < 0.1) raw[ORDER[int(0, ORDER.length - 1)]] = broken[int(0, broken.length - 1)]();
    let msg = avroMessage(values, raw);
    const r = rand();
    if (r < 0.03) msg = msg.subarray(0, int(0, msg.length - 1));
    else if (r < 0.05) msg = new Uint8Array([...msg, int(0, 255)]);
    out.push(msg);
  }
  return out;
}

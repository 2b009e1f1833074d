import {
  type Data,
  DataType,
  Dictionary,
  Field,
  Int32,
  makeData,
  makeVector,
  type RecordBatch,
  Schema,
  Utf8,
} from "apache-arrow";
import type { FieldSpec, FieldType } from "../../runtime/contract/spec/schema.js";
import { specType } from "../../runtime/types/arrow-types.js";
import { boolData, float64Data, int32Data, int64Data, timestampData, utf8Data } from "../../runtime/types/builders.js";
import { makeBatch } from "../../runtime/types/column.js";

/**
 * Seeded randomness for tests: the same seed gives the same batches on every machine, so a
 * failing randomized test can be replayed from its seed. mulberry32: tiny, fast, good enough.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Integer in [lo, hi), hi exclusive. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** A copy of items in random order. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

export function seededRng(seed: number): Rng {
  return new Rng(seed);
}

/** One column of every type Sabot handles (plain and dictionary utf8, a non-nullable one). */
export const ALL_TYPES: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "i32", type: "int32" },
  { name: "i64", type: "int64" },
  { name: "f64", type: "float64" },
  { name: "s", type: "utf8" },
  { name: "d", type: "utf8", dictionary: true },
  { name: "b", type: "bool" },
  { name: "ts", type: "timestamp[ms]" },
];

/** One nullable column of each type (a plain and a dictionary utf8), named by type: s, d, i32, i64, f, b, ts. */
export const EACH_TYPE: FieldSpec[] = [
  { name: "s", type: "utf8" },
  { name: "d", type: "utf8", dictionary: true },
  { name: "i32", type: "int32" },
  { name: "i64", type: "int64" },
  { name: "f", type: "float64" },
  { name: "b", type: "bool" },
  { name: "ts", type: "timestamp[ms]" },
];

/** Record-like columns (id, name, a dictionary-encoded country, amount, ok) of the format and connector tests. */
export const RECORD_FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "name", type: "utf8" },
  { name: "country", type: "utf8", dictionary: true },
  { name: "amount", type: "float64" },
  { name: "ok", type: "bool" },
];

export interface RandomBatchOptions {
  /** Share of NULLs in nullable columns (default 0.1). Columns with `nullable: false` get none. */
  nullRate?: number;
  /** Strings for utf8 columns; default: a mix of ASCII words, empty, non-ASCII, and long strings. */
  strings?: readonly string[];
  /** Range of integer columns (default int32: ±1000, int64: ±1e6). */
  intRange?: [number, number];
  /** Range of float64 columns (default ±1000, with a fraction). */
  floatRange?: [number, number];
  /** Timestamps: start (epoch ms) and spread; rows are out of order within the spread. */
  timeStart?: number;
  timeSpreadMs?: number;
}

/** Strings that exercise the awkward cases: empty, case, whitespace, multi-byte, long. */
export const SAMPLE_STRINGS: readonly string[] = [
  "",
  "a",
  "Google",
  "google",
  "Facebook",
  "Apple Pay",
  "  padded  ",
  "x_y%z",
  "Crème Brûlée",
  "straße",
  "日本語テキスト",
  "emoji 🚀 rocket",
  "MiXeD CaSe 123",
  "ABC",
  "abc",
  "abcabc",
  "a".repeat(300),
  "lorem ipsum dolor sit amet, ".repeat(12),
];

/** A value of the given type (never null). */
export function randomValue(rng: Rng, type: FieldType, opts: RandomBatchOptions = {}): string | number | boolean {
  switch (type) {
    case "utf8":
      return rng.pick(opts.strings ?? SAMPLE_STRINGS);
    case "int32": {
      const [lo, hi] = opts.intRange ?? [-1000, 1000];
      return rng.chance(0.05) ? 0 : rng.int(lo, hi);
    }
    case "int64": {
      const [lo, hi] = opts.intRange ?? [-1_000_000, 1_000_000];
      return rng.chance(0.05) ? 0 : rng.int(lo, hi);
    }
    case "float64": {
      const [lo, hi] = opts.floatRange ?? [-1000, 1000];
      if (rng.chance(0.05)) return 0;
      // Some integral values, some with long fractions.
      const x = lo + rng.next() * (hi - lo);
      return rng.chance(0.2) ? Math.round(x) : rng.chance(0.3) ? Math.round(x * 100) / 100 : x;
    }
    case "bool":
      return rng.chance(0.5);
    case "timestamp[ms]": {
      const start = opts.timeStart ?? 1_700_000_000_000;
      return start + rng.int(0, opts.timeSpreadMs ?? 3_600_000);
    }
  }
}

/** One column of random values as Arrow data (dictionary-encoded when the spec says so). */
export function randomColumn(
  rng: Rng,
  field: FieldSpec,
  rows: number,
  opts: RandomBatchOptions = {},
  dictionaryType?: Dictionary,
): Data {
  const nullRate = field.nullable === false ? 0 : (opts.nullRate ?? 0.1);
  const values = Array.from({ length: rows }, () => (rng.chance(nullRate) ? null : randomValue(rng, field.type, opts)));
  return columnFromValues(field, values, dictionaryType);
}

/**
 * Arrow data from plain JS values (null = NULL), in the column's spec type. `dictionaryType`
 * is the Dictionary type instance to use (so the data matches a given schema's field).
 */
export function columnFromValues(
  field: FieldSpec,
  values: readonly (string | number | boolean | null)[],
  dictionaryType?: Dictionary,
): Data {
  const n = values.length;
  const valid = Uint8Array.from(values, (v) => (v === null ? 0 : 1));
  switch (field.type) {
    case "utf8":
      return field.dictionary
        ? dictionaryData(values as (string | null)[], dictionaryType)
        : utf8Data(values as (string | null)[]);
    case "int32":
      return int32Data(
        Int32Array.from(values, (v) => Number(v ?? 0)),
        valid,
      );
    case "int64":
      return int64Data(
        Float64Array.from(values, (v) => Number(v ?? 0)),
        valid,
      );
    case "float64":
      return float64Data(
        Float64Array.from(values, (v) => Number(v ?? 0)),
        valid,
      );
    case "timestamp[ms]":
      return timestampData(
        Float64Array.from(values, (v) => Number(v ?? 0)),
        valid,
      );
    case "bool":
      return boolData(
        Uint8Array.from(values, (v) => (v === true ? 1 : 0)),
        n > 0 ? valid : null,
      );
  }
}

/** Dictionary<Utf8, Int32> with entries in first-seen order. */
export function dictionaryData(
  values: readonly (string | null)[],
  type: Dictionary = new Dictionary(new Utf8(), new Int32()),
): Data {
  const firstSeen = [...new Set(values.filter((v): v is string => v !== null))];
  return dictionaryOver(firstSeen, values, type);
}

/** A dictionary column of `values` over the given entries, in their order (entries no value uses are kept). */
export function dictionaryOver(entries: readonly string[], values: readonly (string | null)[], type: Dictionary): Data {
  const index = new Map(entries.map((s, i) => [s, i]));
  const keys = Int32Array.from(values, (v) => {
    if (v === null) return 0;
    const k = index.get(v);
    if (k === undefined) throw new Error(`dictionaryOver: "${v}" is not among the entries; add it to them`);
    return k;
  });
  const base = int32Data(
    keys,
    Uint8Array.from(values, (v) => (v === null ? 0 : 1)),
  );
  return makeData({
    type,
    length: values.length,
    data: keys,
    nullBitmap: base.nullBitmap,
    nullCount: base.nullCount,
    dictionary: makeVector(utf8Data(entries)),
  });
}

/**
 * A batch of random rows. Either `randomBatch(rng, fields, rows, opts)` with spec fields (the
 * batch's schema uses the columns' own Arrow types) or `randomBatch(schema, rows, rng, opts)`
 * with an Arrow schema, which the batch then carries as is.
 */
export function randomBatch(rng: Rng, fields: FieldSpec[], rows: number, opts?: RandomBatchOptions): RecordBatch;
export function randomBatch(schema: Schema, rows: number, rng: Rng, opts?: RandomBatchOptions): RecordBatch;
export function randomBatch(
  a: Rng | Schema,
  b: FieldSpec[] | number,
  c: number | Rng,
  opts: RandomBatchOptions = {},
): RecordBatch {
  if (a instanceof Schema) {
    const rng = c as Rng;
    const rows = b as number;
    const columns = a.fields.map((f) =>
      randomColumn(rng, specOf(f), rows, opts, DataType.isDictionary(f.type) ? (f.type as Dictionary) : undefined),
    );
    return makeBatch(a, columns, rows);
  }
  const fields = b as FieldSpec[];
  return batchFromColumns(
    fields,
    fields.map((f) => randomColumn(a, f, c as number, opts)),
  );
}

function specOf(f: Field): FieldSpec {
  return { name: f.name, type: specType(f.type), nullable: f.nullable, dictionary: DataType.isDictionary(f.type) };
}

/** A batch from plain JS rows (objects keyed by column name). */
export function batchFromRows(
  fields: FieldSpec[],
  rows: readonly Record<string, string | number | boolean | null>[],
): RecordBatch {
  return batchFromColumns(
    fields,
    fields.map((f) =>
      columnFromValues(
        f,
        rows.map((r) => r[f.name] ?? null),
      ),
    ),
  );
}

export function batchFromColumns(fields: FieldSpec[], columns: Data[]): RecordBatch {
  const schema = new Schema(fields.map((f, i) => new Field(f.name, columns[i].type, f.nullable ?? true)));
  return makeBatch(schema, columns, columns[0]?.length ?? 0);
}

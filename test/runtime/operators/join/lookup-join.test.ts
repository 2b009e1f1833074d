import type { RecordBatch, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { hashRows } from "../../../../runtime/kernels/hash.js";
import { LookupJoinOperator, type LookupJoinOptions } from "../../../../runtime/operators/join/lookup-join.js";
import { columnsOf } from "../../../../runtime/types/column.js";
import { gathered, throughStorage } from "../../../helpers/snapshots.js";
import { batchOf, canonical, type Kind, Rng, type Row, rowsOf, schemaOf, type Value } from "./join-data.js";

/**
 * The lookup join against a reference that keeps the table as a Map from key to row and looks up
 * stream rows one at a time.
 */

type Setup = { name: string; stream: [string, Kind][]; table: [string, Kind][]; key: string[]; tableKey: string[] };

const SETUPS: Setup[] = [
  {
    name: "int32+dictionary stream key against an int64+utf8 table key",
    stream: [
      ["uid", "int32"],
      ["region", "dict"],
      ["v", "float64"],
      ["t", "timestamp"],
    ],
    table: [
      ["id", "int64"],
      ["region", "utf8"],
      ["name", "dict"],
      ["score", "float64"],
      ["v", "int32"],
      ["vip", "bool"],
    ],
    key: ["uid", "region"],
    tableKey: ["id", "region"],
  },
  {
    name: "utf8 stream key against a dictionary table key",
    stream: [
      ["user", "utf8"],
      ["n", "int64"],
    ],
    table: [
      ["name", "dict"],
      ["city", "utf8"],
      ["n", "int64"],
    ],
    key: ["user"],
    tableKey: ["name"],
  },
  {
    name: "int64 stream key against an int32 table key",
    stream: [
      ["k", "int64"],
      ["x", "int32"],
    ],
    table: [
      ["k", "int32"],
      ["label", "utf8"],
    ],
    key: ["k"],
    tableKey: ["k"],
  },
];

const INTS = [0, 1, 2, 3, 4, 5, 6, -3, 2147483647];
const STRS = ["eu", "us", "ap", "", "Zürich"];

type Fed = { input: 0 | 1; batch: RecordBatch; rows: Row[] };

function value(kind: Kind, name: string, isKey: boolean, rng: Rng): Value {
  if (rng.chance(isKey ? 0.05 : 0.15)) return null;
  switch (kind) {
    case "int32":
    case "int64":
    case "timestamp":
      // A stream int64 key sometimes holds a value no int32 table key can equal.
      if (isKey) return kind !== "int32" && rng.chance(0.05) ? 2 ** 32 + rng.pick(INTS) : rng.pick(INTS);
      return rng.range(0, 100_000);
    case "float64":
      return rng.range(0, 1000) / 4;
    case "bool":
      return rng.chance(0.5);
    default:
      return isKey ? rng.pick(STRS) : `${name}-${rng.range(0, 30)}`;
  }
}

function scenario(setup: Setup, seed: number, steps = 150, keyRange = 1): Fed[] {
  const rng = new Rng(seed);
  const stream = schemaOf(setup.stream);
  const table = schemaOf(setup.table);
  const out: Fed[] = [];
  for (let i = 0; i < steps; i++) {
    const input = rng.chance(0.45) ? 1 : 0;
    const cols = input === 0 ? setup.stream : setup.table;
    const keys = input === 0 ? setup.key : setup.tableKey;
    const n = rng.chance(0.08) ? 0 : 1 + rng.range(0, 30);
    const rows: Row[] = [];
    for (let r = 0; r < n; r++) {
      const row: Row = {};
      const tombstone = input === 1 && rng.chance(0.2);
      for (const [name, kind] of cols) {
        const isKey = keys.includes(name);
        row[name] = tombstone && !isKey ? null : value(kind, name, isKey, rng);
        const v = row[name];
        if (isKey && typeof v === "number" && Math.abs(v) < 1000 && keyRange > 1)
          row[name] = v + rng.range(0, keyRange) * 10;
      }
      rows.push(row);
    }
    let batch = batchOf(input === 0 ? stream : table, rows, rng);
    let fedRows = rows;
    if (n > 4 && rng.chance(0.2)) {
      batch = batch.slice(1, n - 1);
      fedRows = rows.slice(1, n - 1);
    }
    out.push({ input, batch, rows: fedRows });
  }
  return out;
}

function reference(setup: Setup, table: Schema, fed: Fed[], type: "inner" | "left", tableName: string): Row[] {
  const state = new Map<string, Row>();
  const valueCols = table.fields.map((f) => f.name).filter((n) => !setup.tableKey.includes(n));
  const streamNames = new Set(setup.stream.map(([n]) => n));
  const outName = (n: string) => (streamNames.has(n) ? `${tableName}_${n}` : n);
  const out: Row[] = [];
  for (const { input, rows } of fed) {
    for (const row of rows) {
      const key = (input === 0 ? setup.key : setup.tableKey).map((k) => row[k]);
      if (key.some((v) => v === null)) {
        if (input === 0 && type === "left") out.push(enrich(row, undefined));
        continue;
      }
      const id = JSON.stringify(key);
      if (input === 1) {
        if (valueCols.every((c) => row[c] === null)) state.delete(id);
        else state.set(id, row);
        continue;
      }
      const hit = state.get(id);
      if (hit || type === "left") out.push(enrich(row, hit));
    }
  }
  return out;

  function enrich(row: Row, hit: Row | undefined): Row {
    const o: Row = { ...row };
    for (const c of valueCols) o[outName(c)] = hit ? hit[c] : null;
    return o;
  }
}

function options(setup: Setup, type: "inner" | "left", maxParallelism = 8): LookupJoinOptions {
  return {
    name: "test.lookup",
    input: {
      schema: schemaOf(setup.stream),
      timeField: setup.stream.some(([n]) => n === "t") ? "t" : undefined,
      keys: ["x"],
    },
    table: { schema: schemaOf(setup.table) },
    tableName: "users",
    key: setup.key,
    tableKey: setup.tableKey,
    type,
    maxParallelism,
  };
}

function run(op: LookupJoinOperator, fed: Fed[]): Row[] {
  return fed.flatMap((f) => op.processBatch(f.batch, f.input).flatMap(rowsOf));
}

describe("LookupJoinOperator", { timeout: 60_000 }, () => {
  for (const setup of SETUPS) {
    for (const type of ["inner", "left"] as const) {
      it(`matches a row-at-a-time reference with upserts and tombstones: ${type}, ${setup.name}`, () => {
        for (const seed of [1, 2, 3, 4]) {
          const fed = scenario(setup, seed);
          const expected = reference(setup, schemaOf(setup.table), fed, type, "users");
          const rows = run(new LookupJoinOperator(options(setup, type)), fed);
          expect(expected.length).toBeGreaterThan(20);
          expect(canonical(rows)).toEqual(canonical(expected));
        }
      });

      it(`gives the same output after snapshot and restore, with the snapshot gathered after later upserts: ${type}, ${setup.name}`, () => {
        const fed = scenario(setup, 9);
        const expected = run(new LookupJoinOperator(options(setup, type)), fed);
        for (const cut of [0, 40, 101, fed.length]) {
          const first = new LookupJoinOperator(options(setup, type));
          const before = run(first, fed.slice(0, cut));
          const size = first.tableSize();
          const snapshot = first.snapshot();
          // Upserts, tombstones and compaction after the snapshot must not show in it.
          const continued = run(first, fed.slice(cut));
          const second = new LookupJoinOperator(options(setup, type));
          second.restore(throughStorage(snapshot));
          expect(second.tableSize()).toBe(size);
          const after = run(second, fed.slice(cut));
          expect(canonical([...before, ...after])).toEqual(canonical(expected));
          expect(canonical(after)).toEqual(canonical(continued));
        }
      });
    }
  }

  it("snapshots each table row under the key group of hashRows(table key) % maxParallelism", () => {
    const setup = SETUPS[0];
    const op = new LookupJoinOperator(options(setup, "left", 8));
    run(op, scenario(setup, 5));
    const snap = gathered(op.snapshot());
    let rows = 0;
    for (const [g, batch] of snap.keyGroups) {
      const cols = columnsOf(batch);
      const hashes = hashRows([cols[0], cols[1]], batch.numRows);
      for (const h of hashes) expect(h % 8).toBe(g);
      rows += batch.numRows;
    }
    expect(rows).toBe(op.tableSize());
  });

  it("keeps answering correctly while many upserts of few keys force compaction", () => {
    const setup = SETUPS[2];
    const fed = scenario(setup, 3, 1500);
    const expected = reference(setup, schemaOf(setup.table), fed, "left", "users");
    const op = new LookupJoinOperator(options(setup, "left"));
    expect(canonical(run(op, fed))).toEqual(canonical(expected));
  });

  it("keeps answering correctly while the table grows past its first hash index", () => {
    const setup = SETUPS[0];
    const fed = scenario(setup, 4, 600, 400);
    const expected = reference(setup, schemaOf(setup.table), fed, "inner", "users");
    const op = new LookupJoinOperator(options(setup, "inner"));
    expect(canonical(run(op, fed))).toEqual(canonical(expected));
    expect(op.tableSize()).toBeGreaterThan(1024);
  });

  it("outputs stream columns, then table columns without the key, renaming collisions <table>_<col>", () => {
    const left = new LookupJoinOperator(options(SETUPS[0], "left"));
    expect(left.output.schema.fields.map((f) => f.name)).toEqual([
      "uid",
      "region",
      "v",
      "t",
      "name",
      "score",
      "users_v",
      "vip",
    ]);
    expect(left.output.schema.fields.slice(4).every((f) => f.nullable)).toBe(true);
    expect(left.output.timeField).toBe("t");
    expect(left.output.keys).toEqual(["x"]);
  });

  it("rejects unknown columns and incomparable key types with clear errors", () => {
    const s = SETUPS[0];
    expect(() => new LookupJoinOperator({ ...options(s, "left"), key: ["uid", "nope"] })).toThrow(
      /stream has no column "nope"/,
    );
    expect(() => new LookupJoinOperator({ ...options(s, "left"), tableKey: ["id", "score"] })).toThrow(
      /cannot be compared/,
    );
    expect(() => new LookupJoinOperator({ ...options(s, "left"), tableKey: ["id"] })).toThrow(/differ in length/);
  });
});

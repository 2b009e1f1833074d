import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filesConfig } from "../../../../runtime/connectors/files/config.js";
import { FilesSink } from "../../../../runtime/connectors/files/sink.js";
import { LocalStore } from "../../../../runtime/connectors/files/storage.js";
import type { FieldSpec } from "../../../../runtime/contract/spec/schema.js";
import { batchRows } from "../../../helpers/collecting-sink.js";
import { randomBatch, seededRng } from "../../../helpers/random.js";
import { readFileBatches } from "./read-back.js";

const FIELDS: FieldSpec[] = [
  { name: "id", type: "int64", nullable: false },
  { name: "name", type: "utf8" },
  { name: "country", type: "utf8", dictionary: true },
  { name: "amount", type: "float64" },
  { name: "n", type: "int32" },
  { name: "ok", type: "bool" },
  { name: "ts", type: "timestamp[ms]" },
];

const ctx = { subtask: 0, log: pino({ level: "silent" }) };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sabot-files-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(format: "parquet" | "arrow") {
  const names = (await readdir(dir)).sort();
  const rows = [];
  for (const n of names) rows.push(...readFileBatches(await readFile(join(dir, n)), format).flatMap(batchRows));
  return { names, rows };
}

describe.each(["parquet", "arrow"] as const)("files sink (%s)", (format) => {
  it("writes files that read back identical: every type, nulls, a new dictionary per batch", async () => {
    const rng = seededRng(11);
    const sink = new FilesSink(filesConfig({ path: dir, format }), ctx);
    await sink.open();
    const batches = Array.from({ length: 6 }, () => randomBatch(rng, FIELDS, rng.int(1, 400), { nullRate: 0.2 }));
    for (const b of batches) await sink.write(b);
    await sink.close();
    const { names, rows } = await readAll(format);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^part-0-[0-9a-z]+-00000\\.${format}$`));
    expect(rows).toEqual(batches.flatMap(batchRows));
    const back = readFileBatches(await readFile(join(dir, names[0])), format)[0].schema;
    expect(back.fields.map((f) => [f.name, String(f.type)])).toEqual(
      batches[0].schema.fields.map((f) => [f.name, String(f.type)]),
    );
  });

  it("rolls by size into several files, all complete after flush", async () => {
    const rng = seededRng(12);
    const sink = new FilesSink(filesConfig({ path: dir, format, rollSize: "20KiB" }), ctx);
    await sink.open();
    const batches = Array.from({ length: 10 }, () => randomBatch(rng, FIELDS, 500));
    for (const b of batches) await sink.write(b);
    await sink.flush();
    const { names, rows } = await readAll(format);
    expect(names.length).toBeGreaterThan(3);
    expect(names.every((n) => !n.startsWith("."))).toBe(true);
    expect(rows).toEqual(batches.flatMap(batchRows));
    await sink.close();
  });

  it("rolls by time without waiting for another write", async () => {
    const sink = new FilesSink(filesConfig({ path: dir, format, rollInterval: "50ms" }), ctx);
    await sink.open();
    await sink.write(randomBatch(seededRng(1), FIELDS, 10));
    for (let i = 0; i < 100 && sink.committed.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sink.committed).toHaveLength(1);
    expect((await readAll(format)).rows).toHaveLength(10);
    await sink.close();
  });
});

describe("local file store", () => {
  it("keeps a staged file hidden under a temporary name until it is committed", async () => {
    const store = new LocalStore(dir);
    const staged = await store.stage("part-1.parquet", new Uint8Array([1, 2, 3]));
    expect(await readdir(dir)).toEqual([".part-1.parquet.inprogress"]);
    await staged.commit();
    expect(await readdir(dir)).toEqual(["part-1.parquet"]);
    const aborted = await store.stage("part-2.parquet", new Uint8Array([1]));
    await aborted.abort();
    expect(existsSync(join(dir, "part-2.parquet"))).toBe(false);
    expect(await readdir(dir)).toEqual(["part-1.parquet"]);
  });
});

describe("files sink config", () => {
  it("fills in defaults and parses targets", () => {
    expect(filesConfig({ path: "/data/out" })).toEqual({
      target: { kind: "local", dir: "/data/out" },
      format: "parquet",
      rollBytes: 64 * 1024 * 1024,
      rollIntervalMs: 60_000,
      partitionBy: [],
    });
    expect(filesConfig({ path: "s3://my-bucket/a/b/" }).target).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "a/b",
    });
    expect(filesConfig({ path: "file:///tmp/x" }).target).toEqual({ kind: "local", dir: "/tmp/x" });
  });
  it("rejects what cannot work, naming the setting", () => {
    expect(() => filesConfig({ path: "s3://Bad_Bucket/x" })).toThrow(/files.path/);
    expect(() => filesConfig({ path: "gs://bucket/x" })).toThrow(/only local folders/);
    expect(() => filesConfig({ path: "/x", rollSize: "0B" })).toThrow(/files.rollSize/);
  });
});

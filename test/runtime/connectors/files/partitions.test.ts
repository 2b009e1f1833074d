import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { filesConfig } from "../../../../runtime/connectors/files/config.js";
import { encodeFile } from "../../../../runtime/connectors/files/file-format.js";
import {
  checkPartitionColumns,
  escapePartitionValue,
  groupByPartition,
  unescapePartitionValue,
} from "../../../../runtime/connectors/files/partitions.js";
import { FilesSink } from "../../../../runtime/connectors/files/sink.js";
import { type FileStore, LocalStore, type StagedFile } from "../../../../runtime/connectors/files/storage.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { readFileBatches } from "./read-back.js";

const silent = pino({ level: "silent" });
let dir: string;
tempDirEach("sabot-files-parts-", (d) => (dir = d));

const batch = (day: string[], hm: (string | null)[], n: number[]) =>
  tableFromArrays({ dt: day, hm, n: Float64Array.from(n) }).batches[0];

/** Every data file under `out` (not staged dot-files, not `_` folders), with its rows. */
async function partitionFiles(out: string): Promise<Map<string, Row[]>> {
  const files = new Map<string, Row[]>();
  for (const f of (await readdir(out, { recursive: true })).sort()) {
    if (!/\.arrow$/.test(f) || f.split("/").some((p) => p.startsWith(".") || p.startsWith("_"))) continue;
    files.set(f, readFileBatches(await readFile(join(out, f)), "arrow").flatMap(batchRows));
  }
  return files;
}

const sinkAt = (out: string, exactlyOnce: boolean, store?: FileStore) =>
  new FilesSink(
    filesConfig({ path: out, format: "arrow", partitionBy: ["dt", "hm"] }),
    { subtask: 1, log: silent, exactlyOnce },
    store,
  );

describe("files sink, partitioned (PARTITIONED BY / partitionBy)", () => {
  it("escapes partition values as Hive does, and back", () => {
    expect(escapePartitionValue("13:30")).toBe("13%3A30");
    expect(escapePartitionValue("a/b=c%\n")).toBe("a%2Fb%3Dc%25%0A");
    expect(unescapePartitionValue(escapePartitionValue("x:/=%'ä"))).toBe("x:/=%'ä");
  });

  it("writes each row into the directory of its values, without the partition columns", async () => {
    const out = join(dir, "out");
    const sink = sinkAt(out, false);
    await sink.open();
    await sink.write(batch(["d1", "d1", "d2"], ["10:00", "10:01", null], [1, 2, 3]));
    await sink.write(batch(["d1"], ["10:00"], [4]));
    await sink.close();
    const files = [...(await partitionFiles(out)).entries()].map(([f, rows]) => [f.replace(/part-.*/, "part"), rows]);
    expect(files).toEqual([
      ["dt=d1/hm=10%3A00/part", [{ n: 1 }, { n: 4 }]],
      ["dt=d1/hm=10%3A01/part", [{ n: 2 }]],
      ["dt=d2/hm=__HIVE_DEFAULT_PARTITION__/part", [{ n: 3 }]],
    ]);
  });

  it("exactly-once: a checkpoint's files per partition become visible with its marker, and a redo commits only the missing ones", async () => {
    const out = join(dir, "out");
    const sink = sinkAt(out, true);
    await sink.open();
    const b1 = batch(["d1", "d2"], ["a", "b"], [1, 2]);
    await sink.write(b1);
    await sink.prepareCheckpoint!(1);
    expect((await partitionFiles(out)).size).toBe(0);
    expect(await sink.committedCheckpoint!()).toBeNull();
    await sink.commitCheckpoint!(1);
    expect([...(await partitionFiles(out)).keys()]).toEqual([
      "dt=d1/hm=a/part-1-chk-0000000001.arrow",
      "dt=d2/hm=b/part-1-chk-0000000001.arrow",
    ]);
    expect(await readdir(join(out, "_committed"))).toEqual(["part-1-chk-0000000001.committed"]);
    expect(await sink.committedCheckpoint!()).toBe(1);

    // A crash after one of checkpoint 2's partition files was committed, before its marker.
    const b2 = batch(["d1", "d3"], ["a", "c"], [3, 4]);
    const early = await new LocalStore(out).stage(
      "dt=d1/hm=a/part-1-chk-0000000002.arrow",
      partitionFileBytes(b2, "dt=d1/hm=a"),
    );
    await early.commit();
    const again = sinkAt(out, true);
    await again.open();
    expect(await again.committedCheckpoint!()).toBe(1);
    await again.recommit!(2, [b2]);
    await again.recommit!(2, [b2]);
    expect(again.committed).toEqual([
      "dt=d3/hm=c/part-1-chk-0000000002.arrow",
      "_committed/part-1-chk-0000000002.committed",
    ]);
    const rows = [...(await partitionFiles(out)).values()].flat().map((r) => r.n);
    expect(rows.sort()).toEqual([1, 2, 3, 4]);
  });

  it("a checkpoint that fails while its prepare waits behind a slow commit does not block the next one", async () => {
    const out = join(dir, "out");
    const local = new LocalStore(out);
    let release = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const store: FileStore = {
      describe: (n) => local.describe(n),
      list: (p) => local.list(p),
      stage: async (n, bytes) => {
        const f = await local.stage(n, bytes);
        const held: StagedFile = { name: f.name, abort: () => f.abort(), commit: () => slow.then(() => f.commit()) };
        return n.includes("chk-0000000001") ? held : f;
      },
    };
    const sink = sinkAt(out, true, store);
    await sink.open();
    await sink.write(batch(["d1"], ["a"], [1]));
    await sink.prepareCheckpoint!(1);
    const commit1 = sink.commitCheckpoint!(1);
    await sink.write(batch(["d1"], ["a"], [2]));
    const prepare2 = sink.prepareCheckpoint!(2);
    sink.checkpointFailed!(2); // before prepare 2 has run: it waits behind commit 1
    release();
    await commit1;
    await prepare2;
    await sink.prepareCheckpoint!(3);
    await sink.commitCheckpoint!(3);
    const rows = [...(await partitionFiles(out)).entries()].map(([f, r]) => [f, r.map((x) => x.n)]);
    expect(rows).toEqual([
      ["dt=d1/hm=a/part-1-chk-0000000001.arrow", [1]],
      ["dt=d1/hm=a/part-1-chk-0000000003.arrow", [2]],
    ]);
  });

  it("refuses partition columns that are missing, of another type, or every column", () => {
    const schema = batch(["d"], ["h"], [1]).schema;
    expect(() => checkPartitionColumns(["day"], schema)).toThrow(/no column day in the sink's rows \(dt, hm, n\)/);
    expect(() => checkPartitionColumns(["n"], schema)).toThrow(/column n is Float64; partition by a string/);
    const keysOnly = tableFromArrays({ dt: ["d"], hm: ["h"] }).schema;
    expect(() => checkPartitionColumns(["dt", "hm"], keysOnly)).toThrow(/every column is a partition column/);
  });
});

/** The bytes the sink would write for one partition of a batch (to fake a file committed before a crash). */
function partitionFileBytes(b: ReturnType<typeof batch>, path: string): Uint8Array {
  return encodeFile(groupByPartition([b], ["dt", "hm"]).get(path)!, "arrow");
}

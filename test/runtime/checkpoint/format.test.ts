import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, type RecordBatch, Schema } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { FileCheckpointStorage } from "../../../runtime/checkpoint/file-storage.js";
import { CheckpointConfigError, readCheckpoint, writeCheckpoint } from "../../../runtime/checkpoint/index.js";
import type { OperatorSnapshot } from "../../../runtime/operators/operator.js";
import { columnsOf, makeBatch } from "../../../runtime/types/column.js";
import { batchRows } from "../../helpers/collecting-sink.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../helpers/random.js";

const tempStorage = () => {
  const root = mkdtempSync(join(tmpdir(), "sabot-chk-format-"));
  return { root, storage: new FileCheckpointStorage(root) };
};

/** `select a, a AS b`-like state: two columns on the same buffers (arrow-js' IPC writer trap). */
function sharedBuffers(batch: RecordBatch): RecordBatch {
  const cols = columnsOf(batch);
  const fields = [
    ...batch.schema.fields,
    ...batch.schema.fields.map((f) => new Field(`${f.name}_again`, f.type, f.nullable)),
  ];
  return makeBatch(new Schema(fields), [...cols, ...cols], batch.numRows);
}

describe("checkpoint state files", () => {
  it("round-trip every column type, nulls, dictionaries, shared buffers, sliced and empty batches", async () => {
    const { root, storage } = tempStorage();
    const rng = seededRng(42);
    const whole = randomBatch(rng, ALL_TYPES, 300);
    const keyGroups = new Map<number, RecordBatch>([
      [0, whole],
      [5, sharedBuffers(randomBatch(rng, ALL_TYPES, 50))],
      [6, whole.slice(37, 120)],
      [9, whole.slice(0, 0)],
    ]);
    const snapshot: OperatorSnapshot = {
      meta: { version: 3, watermark: "-Infinity", nested: { a: [1, "x"] } },
      keyGroups,
    };
    const manifest = await writeCheckpoint(storage, "types", 1, {
      operators: new Map([["pipeline[0].op", snapshot]]),
      sources: {},
      maxParallelism: 16,
      parallelism: 1,
    });
    const files = manifest.operators["pipeline[0].op"].subtasks[0].files;
    expect(files.map((f) => [f.keyGroup, f.rows])).toEqual([
      [0, 300],
      [5, 50],
      [6, 83],
      [9, 0],
    ]);
    // Arrow IPC files (not streams): they start and end with the "ARROW1" magic.
    const first = await readFile(join(root, "types", "chk-1", files[0].path));
    expect(first.subarray(0, 6).toString()).toBe("ARROW1");
    expect(first.subarray(first.length - 6).toString()).toBe("ARROW1");

    const [got] = (await readCheckpoint(storage, "types", 1)).operators.get("pipeline[0].op") ?? [];
    expect(got.meta).toEqual(snapshot.meta);
    for (const [kg, batch] of keyGroups) {
      const back = got.keyGroups.get(kg)!;
      expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(
        batch.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
      );
      expect(batchRows(back)).toEqual(batchRows(batch));
    }
  });

  it("keeps each subtask's metadata, returns only subtasks with key groups in the range, and meta-only subtasks always", async () => {
    const { storage } = tempStorage();
    const rng = seededRng(7);
    const state = (meta: Record<string, unknown>, kgs: number[]): OperatorSnapshot => ({
      meta,
      keyGroups: new Map(kgs.map((kg) => [kg, randomBatch(rng, ALL_TYPES.slice(0, 3), 4)])),
    });
    await writeCheckpoint(storage, "subtasks", 4, {
      operators: new Map<string, OperatorSnapshot | (OperatorSnapshot | null)[] | null>([
        ["keyed", [state({ wm: 1 }, [0, 1, 2, 3]), state({ wm: 2 }, [4, 5, 6, 7])]],
        ["global", [state({ count: 9 }, []), null]],
        ["stateless", null],
      ]),
      sources: { bids: { "0": "10", "1": "12" }, people: {} },
      maxParallelism: 8,
      parallelism: 2,
    });
    const low = await readCheckpoint(storage, "subtasks", 4, { keyGroups: [2, 4] });
    expect(low.manifest.parallelism).toBe(2);
    expect(low.operators.get("keyed")?.map((s) => [s.meta, [...s.keyGroups.keys()]])).toEqual([[{ wm: 1 }, [2, 3]]]);
    expect(low.operators.get("global")?.map((s) => s.meta)).toEqual([{ count: 9 }]);
    expect(low.operators.has("stateless")).toBe(false);
    expect(low.sources).toEqual({ bids: { "0": "10", "1": "12" }, people: {} });
    await expect(readCheckpoint(storage, "subtasks", 4, { maxParallelism: 16 })).rejects.toThrow(
      /written with maxParallelism 8 and the job has 16/,
    );
    const across = await readCheckpoint(storage, "subtasks", 4, { keyGroups: [3, 6], maxParallelism: 8 });
    expect(across.operators.get("keyed")?.map((s) => [s.meta, [...s.keyGroups.keys()]])).toEqual([
      [{ wm: 1 }, [3]],
      [{ wm: 2 }, [4, 5]],
    ]);
  });

  it("refuses job names and ids that cannot name a checkpoint folder, and metadata that is not JSON", async () => {
    const { storage } = tempStorage();
    const empty = { operators: new Map(), sources: {}, maxParallelism: 8, parallelism: 1 };
    await expect(writeCheckpoint(storage, "../etc", 1, empty)).rejects.toThrow(CheckpointConfigError);
    await expect(writeCheckpoint(storage, "a/b", 1, empty)).rejects.toThrow(/cannot name a checkpoint folder/);
    await expect(writeCheckpoint(storage, "job", 0, empty)).rejects.toThrow(/positive integer/);
    const outside: OperatorSnapshot = { meta: {}, keyGroups: new Map([[8, randomBatch(seededRng(1), ALL_TYPES, 2)]]) };
    await expect(
      writeCheckpoint(storage, "job", 1, { ...empty, operators: new Map([["op", outside]]) }),
    ).rejects.toThrow(/op snapshotted key group 8, outside 0\.\.7/);
    const bad: OperatorSnapshot = { meta: { n: 1n }, keyGroups: new Map() };
    await expect(writeCheckpoint(storage, "job", 1, { ...empty, operators: new Map([["op", bad]]) })).rejects.toThrow(
      /snapshot metadata of op is not JSON/,
    );
  });
});

import { createHash } from "node:crypto";
import { type RecordBatch, Table } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  applyRetention,
  type CheckpointStorage,
  CorruptCheckpointError,
  findLatestCompleted,
  listCheckpoints,
  type Manifest,
  nextCheckpointId,
  readCheckpoint,
  UnsupportedCheckpointVersionError,
  writeCheckpoint,
} from "../../../runtime/checkpoint/index.js";
import type { WindowSpec } from "../../../runtime/contract/spec/schema.js";
import { keyGroupRange } from "../../../runtime/kernels/hash.js";
import type { GatheredSnapshot } from "../../../runtime/operators/operator.js";
import { seededRng } from "../../helpers/random.js";
import { gathered } from "../../helpers/snapshots.js";
import { expectSameOutputs, randomScript } from "../operators/window/window-data.js";
import { MAX_PARALLELISM, runSubtasks, windowOperator } from "./window-fixture.js";

const OP = "pipeline[2].window";
const CASES: [string, WindowSpec, string[]][] = [
  ["tumbling", { type: "tumbling", size: "10s" }, ["kd", "ki"]],
  ["sliding", { type: "sliding", size: "10s", slide: "4s" }, ["ks"]],
  ["session", { type: "session", gap: "1s" }, ["kd"]],
];

/** Rows of any batch (list columns included) as comparable strings, via arrow-js: fine in tests. */
const rowsOf = (batch: RecordBatch) =>
  new Table(batch).toArray().map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)));

let jobs = 0;
const jobName = (label: string) => `${label}-${process.pid}-${jobs++}`;

/** A small stateful checkpoint: one window operator with a few key groups. */
function smallState(seed: number): GatheredSnapshot {
  const op = windowOperator({ type: "tumbling", size: "10s" }, ["ks"]);
  runSubtasks([op], randomScript(seededRng(seed), { batches: 6, interleaving: "at-end" }).slice(0, -1), ["ks"], seed);
  return gathered(op.snapshot());
}

async function checkpoint(storage: CheckpointStorage, job: string, id: number, seed = id) {
  return writeCheckpoint(storage, job, id, {
    operators: new Map([[OP, smallState(seed)]]),
    sources: { bids: { "0": String(id * 100), "1": String(id * 100 + 7) } },
    maxParallelism: MAX_PARALLELISM,
    parallelism: 1,
  });
}

/**
 * The checkpoint store's behaviour, against any storage: run with a local folder by the unit tests
 * and with a real S3 store by the integration tests.
 */
export function checkpointStoreSuite(makeStorage: () => CheckpointStorage): void {
  describe("restoring real operator state", () => {
    for (const [i, [label, window, keys]] of CASES.entries()) {
      const seed = 900 + i;
      const steps = randomScript(seededRng(seed), { batches: 30, interleaving: i === 1 ? "sparse" : "every-batch" });
      const cut = 12 + i * 5;
      const expected = () => runSubtasks([windowOperator(window, keys)], steps, keys, seed);

      for (const [from, to] of [
        [1, 1],
        [1, 2],
        [2, 1],
        [2, 3],
      ]) {
        it(`${label} [${keys.join(", ")}]: parallelism ${from} → ${to} through a checkpoint finishes like an uninterrupted run`, async () => {
          const storage = makeStorage();
          const job = jobName(label);
          const before = Array.from({ length: from }, () => windowOperator(window, keys));
          const out1 = runSubtasks(before, steps.slice(0, cut), keys, seed);
          await writeCheckpoint(storage, job, 1, {
            operators: new Map([[OP, before.map((op) => op.snapshot())]]),
            sources: {},
            maxParallelism: MAX_PARALLELISM,
            parallelism: from,
          });
          const latest = await findLatestCompleted(storage, job);
          expect(latest?.checkpointId).toBe(1);
          const after = await Promise.all(
            Array.from({ length: to }, async (_, subtask) => {
              const range = keyGroupRange(subtask, to, MAX_PARALLELISM);
              const restored = await readCheckpoint(storage, job, 1, { keyGroups: range });
              const op = windowOperator(window, keys);
              for (const s of restored.operators.get(OP) ?? []) {
                for (const kg of s.keyGroups.keys()) expect(kg >= range[0] && kg < range[1]).toBe(true);
                op.restore(s);
              }
              return op;
            }),
          );
          const out2 = runSubtasks(after, steps.slice(cut), keys, seed + 1);
          expectSameOutputs([...out1, ...out2], expected(), keys);
        });
      }
    }
  });

  it("reads back exactly the key groups in the range, row for row, with sources and the manifest's fields", async () => {
    const storage = makeStorage();
    const job = jobName("range");
    const snapshot = smallState(7);
    const manifest = await checkpoint(storage, job, 3, 7);
    expect(manifest).toMatchObject({
      formatVersion: 1,
      job,
      checkpointId: 3,
      maxParallelism: MAX_PARALLELISM,
      parallelism: 1,
    });
    const files = manifest.operators[OP].subtasks[0].files;
    expect(files.map((f) => f.keyGroup)).toEqual([...snapshot.keyGroups.keys()].sort((a, b) => a - b));
    expect(files.every((f) => f.bytes > 0 && f.rows === snapshot.keyGroups.get(f.keyGroup)?.numRows)).toBe(true);

    const range: [number, number] = [8, 24];
    const got = await readCheckpoint(storage, job, 3, { keyGroups: range });
    expect(got.sources).toEqual({ bids: { "0": "300", "1": "307" } });
    const [restored] = got.operators.get(OP) ?? [];
    expect(restored.meta).toEqual(snapshot.meta);
    const want = [...snapshot.keyGroups].filter(([kg]) => kg >= range[0] && kg < range[1]);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(snapshot.keyGroups.size);
    expect(rowsOf(want[0][1])[0]).toMatch(/"window_start":/);
    expect([...restored.keyGroups.keys()].sort((a, b) => a - b)).toEqual(want.map(([kg]) => kg).sort((a, b) => a - b));
    for (const [kg, batch] of want) expect(rowsOf(restored.keyGroups.get(kg)!)).toEqual(rowsOf(batch));

    const none = await readCheckpoint(storage, job, 3, { operators: ["pipeline[9].other"] });
    expect(none.operators.size).toBe(0);
  });

  describe("incomplete and corrupted checkpoints", () => {
    const manifestKey = (job: string, id: number) => `${job}/chk-${id}/manifest.json`;
    const firstFile = async (storage: CheckpointStorage, job: string, id: number) => {
      const m = (await listCheckpoints(storage, job)).find((c) => c.id === id)?.manifest;
      return `${job}/chk-${id}/${m!.operators[OP].subtasks[0].files[0].path}`;
    };

    it("a checkpoint without its manifest is never found: the previous one is", async () => {
      const storage = makeStorage();
      const job = jobName("no-manifest");
      await checkpoint(storage, job, 1);
      await checkpoint(storage, job, 2);
      await storage.delete([manifestKey(job, 2)]);
      expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(1);
      await expect(readCheckpoint(storage, job, 2)).rejects.toThrow(/never completed/);
      expect(await nextCheckpointId(storage, job)).toBe(3);
    });

    it("a truncated or missing state file makes its checkpoint unusable: the previous one is found", async () => {
      const storage = makeStorage();
      const job = jobName("truncated");
      for (const id of [1, 2, 3]) await checkpoint(storage, job, id);
      const f3 = await firstFile(storage, job, 3);
      const bytes = (await storage.get(f3))!;
      await storage.put(f3, bytes.subarray(0, bytes.length - 10));
      expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(2);
      await expect(readCheckpoint(storage, job, 3)).rejects.toThrow(CorruptCheckpointError);

      await storage.delete([await firstFile(storage, job, 2)]);
      expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(1);
      const statuses = await listCheckpoints(storage, job);
      expect(statuses.map((s) => [s.id, s.complete])).toEqual([
        [3, false],
        [2, false],
        [1, true],
      ]);
      expect(statuses[0].problem).toMatch(/bytes, the manifest says/);
      expect(statuses[1].problem).toMatch(/is missing/);
    });

    it("a file of the right size but other bytes is refused when read; a garbled manifest is skipped", async () => {
      const storage = makeStorage();
      const job = jobName("garbled");
      await checkpoint(storage, job, 1);
      await checkpoint(storage, job, 2);
      const f2 = await firstFile(storage, job, 2);
      const bytes = (await storage.get(f2))!.slice();
      bytes[bytes.length - 1] ^= 0xff;
      await storage.put(f2, bytes);
      await expect(readCheckpoint(storage, job, 2)).rejects.toThrow(/SHA-256/);
      await storage.put(manifestKey(job, 2), new TextEncoder().encode('{"formatVersion": 1, "job": '));
      expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(1);
    });

    it("a manifest of a newer format version is refused, not skipped", async () => {
      const storage = makeStorage();
      const job = jobName("future");
      await checkpoint(storage, job, 1);
      await storage.put(manifestKey(job, 2), new TextEncoder().encode(JSON.stringify({ formatVersion: 99 })));
      await expect(findLatestCompleted(storage, job)).rejects.toThrow(UnsupportedCheckpointVersionError);
    });

    it("refuses to overwrite a completed checkpoint", async () => {
      const storage = makeStorage();
      const job = jobName("reuse");
      await checkpoint(storage, job, 1);
      await expect(checkpoint(storage, job, 1)).rejects.toThrow(/ids must not be reused/);
      expect(await findLatestCompleted(storage, job)).toMatchObject({ checkpointId: 1 });
    });
  });

  describe("tampered checkpoints: the manifest's keyed digest (SABOT_CHECKPOINT_KEY)", () => {
    const KEY = new TextEncoder().encode("a-test-key-of-32-bytes-0123456789");
    const OTHER_KEY = new TextEncoder().encode("another-jobs-key-0123456789abcdef");
    const keyed = (key: Uint8Array | undefined) => {
      const storage = makeStorage();
      storage.manifestKey = key;
      return storage;
    };
    const manifestPath = (job: string, id: number) => `${job}/chk-${id}/manifest.json`;
    const readJson = async (storage: CheckpointStorage, key: string) =>
      JSON.parse(new TextDecoder().decode((await storage.get(key))!)) as Manifest;
    const writeJson = (storage: CheckpointStorage, key: string, m: unknown) =>
      storage.put(key, new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`));

    it("signs the manifest and restores it with the same key", async () => {
      const storage = keyed(KEY);
      const job = jobName("signed");
      await checkpoint(storage, job, 1);
      const stored = await readJson(storage, manifestPath(job, 1));
      expect(stored.digest).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
      const restored = await readCheckpoint(storage, job, 1);
      expect(restored.sources).toEqual({ bids: { "0": "100", "1": "107" } });
    });

    it("a manifest whose bytes were changed (a source offset) is never restored: recovery takes the previous one", async () => {
      const storage = keyed(KEY);
      const job = jobName("tampered-manifest");
      await checkpoint(storage, job, 1);
      await checkpoint(storage, job, 2);
      const m = await readJson(storage, manifestPath(job, 2));
      m.sources.bids!["0"] = "999999";
      await writeJson(storage, manifestPath(job, 2), m);
      await expect(readCheckpoint(storage, job, 2)).rejects.toThrow(/digest does not match SABOT_CHECKPOINT_KEY/);
      expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(1);
      const [status] = await listCheckpoints(storage, job);
      expect(status).toMatchObject({ id: 2, complete: false });
      expect(status!.problem).toMatch(/changed after it was written/);
    });

    it("a state file changed together with its SHA-256 in the manifest is refused with a key; accepted without one", async () => {
      for (const key of [KEY, undefined]) {
        const storage = keyed(key);
        const job = jobName("forged-state");
        await checkpoint(storage, job, 1);
        const m = await readJson(storage, manifestPath(job, 1));
        const file = m.operators[OP]!.subtasks[0]!.files[0]!;
        // A forger who knows the format: other state of the same size, and its checksum in the manifest.
        const forged = (await readCheckpointFile(storage, `${job}/chk-1/${file.path}`)).slice();
        forged[forged.length - 1] ^= 0xff;
        await storage.put(`${job}/chk-1/${file.path}`, forged);
        file.sha256 = createHash("sha256").update(forged).digest("hex");
        await writeJson(storage, manifestPath(job, 1), m);
        if (key) await expect(readCheckpoint(storage, job, 1)).rejects.toThrow(CorruptCheckpointError);
        // Without a key the forgery is consistent and restores: what the key adds to the SHA-256 sums.
        else expect((await readCheckpoint(storage, job, 1)).manifest.checkpointId).toBe(1);
      }
    });

    it("refuses a manifest with its digest removed, one signed with another job's key, and a signed one read without a key", async () => {
      const storage = keyed(KEY);
      const job = jobName("stripped");
      await checkpoint(storage, job, 1);
      const { digest: _removed, ...stripped } = await readJson(storage, manifestPath(job, 1));
      await writeJson(storage, manifestPath(job, 1), stripped);
      await expect(readCheckpoint(storage, job, 1)).rejects.toThrow(/has no digest but SABOT_CHECKPOINT_KEY is set/);

      const other = jobName("other-key");
      storage.manifestKey = OTHER_KEY;
      await checkpoint(storage, other, 1);
      storage.manifestKey = KEY;
      await expect(readCheckpoint(storage, other, 1)).rejects.toThrow(/written with another key/);
      storage.manifestKey = undefined;
      await expect(readCheckpoint(storage, other, 1)).rejects.toThrow(/signed and SABOT_CHECKPOINT_KEY is not set/);
    });
  });

  it("retention keeps the newest complete checkpoints, deletes older and abandoned ones, leaves in-progress ones", async () => {
    const storage = makeStorage();
    const job = jobName("retain");
    for (const id of [1, 2, 3, 4, 5, 7]) await checkpoint(storage, job, id);
    await storage.delete([`${job}/chk-4/manifest.json`]); // abandoned: 5 completed after it
    await storage.put(`${job}/chk-8/state/x/0/kg-1.arrow`, new Uint8Array(10)); // in progress
    await storage.delete([`${job}/chk-7/manifest.json`]); // in progress too (newer than 5)

    const result = await applyRetention(storage, job, 2);
    expect(result).toEqual({ kept: [5, 3], deleted: [4, 2, 1] });
    expect((await listCheckpoints(storage, job)).map((c) => c.id)).toEqual([8, 7, 5, 3]);
    expect(await storage.list(`${job}/chk-1/`)).toEqual([]);
    expect((await findLatestCompleted(storage, job))?.checkpointId).toBe(5);
    expect((await readCheckpoint(storage, job, 3)).sources.bids).toEqual({ "0": "300", "1": "307" });
    expect(await applyRetention(storage, job, 2)).toEqual({ kept: [5, 3], deleted: [] });
  });
}

async function readCheckpointFile(storage: CheckpointStorage, key: string): Promise<Uint8Array> {
  const bytes = await storage.get(key);
  if (bytes === null) throw new Error(`${storage.describe(key)} is missing`);
  return bytes;
}

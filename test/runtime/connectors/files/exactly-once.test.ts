import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { filesConfig } from "../../../../runtime/connectors/files/config.js";
import { FilesSink } from "../../../../runtime/connectors/files/sink.js";
import { parseManifest } from "../../../../runtime/contract/spec/manifest.js";
import { LocalJob } from "../../../../runtime/engine/local-job.js";
import { planManifest } from "../../../../runtime/planner/validate.js";
import { batchRows, type Row } from "../../../helpers/collecting-sink.js";
import { ALL_TYPES, randomBatch, seededRng } from "../../../helpers/random.js";
import { runJob } from "../../../helpers/run-job.js";
import { tempDirEach } from "../../../helpers/temp-dir.js";
import { filesWindowYaml } from "../../../helpers/test-jobs.js";
import { rowsIn, visible } from "./read-back.js";

/** The files sink in exactly-once mode: one file per checkpoint, visible only once it completes. */
const silent = pino({ level: "silent" });
let dir: string;
tempDirEach("sabot-files-eos-", (d) => (dir = d));

describe("files sink, exactly-once", () => {
  it("makes a checkpoint's rows visible only when it completes, carries a failed checkpoint's rows to the next, and redoes a commit once", async () => {
    const out = join(dir, "out");
    const sink = new FilesSink(filesConfig({ path: out, format: "arrow" }), {
      subtask: 2,
      log: silent,
      exactlyOnce: true,
    });
    await sink.open();
    const rng = seededRng(8);
    const b = () => randomBatch(rng, ALL_TYPES, 300, { nullRate: 0.1 });
    const [b1, b2, b3] = [b(), b(), b()];
    await sink.write(b1);
    await sink.prepareCheckpoint!(1);
    expect(await visible(out)).toEqual([]);
    await sink.commitCheckpoint!(1);
    expect(await visible(out)).toEqual(["part-2-chk-0000000001.arrow"]);
    expect(await sink.committedCheckpoint!()).toBe(1);

    await sink.write(b2);
    await sink.prepareCheckpoint!(2);
    sink.checkpointFailed!(2);
    await sink.write(b3);
    await sink.prepareCheckpoint!(3);
    expect(sink.preparedOutput!().reduce((s, x) => s + x.numRows, 0)).toBe(600);
    await sink.commitCheckpoint!(3);
    expect(await visible(out)).toEqual(["part-2-chk-0000000001.arrow", "part-2-chk-0000000003.arrow"]);
    expect(await rowsIn(out)).toEqual([b1, b2, b3].flatMap(batchRows));

    // A redo after a crash: idempotent by the file name.
    await sink.recommit!(3, [b3]);
    const again = new FilesSink(filesConfig({ path: out, format: "arrow" }), {
      subtask: 2,
      log: silent,
      exactlyOnce: true,
    });
    await again.open();
    await again.recommit!(4, [b1]);
    await again.recommit!(4, [b1]);
    expect(await again.committedCheckpoint!()).toBe(4);
    expect((await rowsIn(out)).length).toBe(1200);
  });

  it("gives every window exactly once across crashes of a single-process job", async () => {
    const out = join(dir, "out");
    const manifest = (rate: number, withCheckpoints: boolean) =>
      parseManifest(filesWindowYaml("files-eos", dir, out, rate, withCheckpoints));
    const expected = (await runJob(manifest(1_000_000, false))).rows.out;
    const rng = seededRng(13);
    for (let i = 0; i < 3; i++) {
      const job = new LocalJob(planManifest(manifest(20_000, true)), { log: silent });
      const done = job.run();
      await new Promise((r) => setTimeout(r, 300 + rng.int(0, 400)));
      job.abort();
      expect((await done).reason).toBe("aborted");
    }
    const last = await new LocalJob(planManifest(manifest(20_000, true)), { log: silent }).run();
    expect(last.reason).toBe("end-of-input");
    const key = (r: Row) => JSON.stringify(r);
    expect((await rowsIn(out)).map(key).sort()).toEqual(expected.map(key).sort());
  }, 60_000);
});

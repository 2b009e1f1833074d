import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../../runtime/contract/spec/manifest.js";
import type { Row } from "../../helpers/collecting-sink.js";
import { runJob } from "../../helpers/run-job.js";
import { tempDirEach } from "../../helpers/temp-dir.js";
import { filesWindowYaml } from "../../helpers/test-jobs.js";
import { rowsIn } from "../../runtime/connectors/files/read-back.js";

/**
 * `sabot run` of an exactly-once job (generator → 200 ms windows → files sink, checkpoints every
 * 150 ms) as real processes, in one process and with --parallelism: SIGTERM part-way, then the
 * same command again, which restores the latest checkpoint. The files must then hold exactly the
 * uninterrupted run's windows.
 */

const ROOT = new URL("../../../", import.meta.url).pathname;
let dir: string;
tempDirEach("sabot-run-term-", (d) => (dir = d));

const manifest = (out: string, rate: number, checkpoints: boolean) =>
  filesWindowYaml("run-term", dir, out, rate, checkpoints);

function sabotRun(file: string, args: string[]): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, "bin/sabot.js"), "run", file, "--quiet", ...args], {
    cwd: ROOT,
    stdio: "ignore",
  });
  return { child, exit: new Promise((r) => child.once("exit", (code) => r(code))) };
}

describe("sabot run stopped by SIGTERM", () => {
  it.each([
    ["in one process", []],
    ["with --parallelism 2 (a coordinator and 2 worker processes)", ["--parallelism", "2"]],
  ])(
    "%s, with exactly-once sinks, commits nothing past the latest checkpoint, so running it again gives every window exactly once",
    async (_, args: string[]) => {
      const out = join(dir, "out");
      const expected = (await runJob(parseManifest(manifest(out, 1_000_000, false)))).rows.out;
      const file = join(dir, "job.yaml");
      await writeFile(file, manifest(out, 8_000, true));

      const first = sabotRun(file, args);
      // Some committed windows: the run is part-way, with windows open and output pending.
      const deadline = Date.now() + 30_000;
      while ((await rowsIn(out).catch(() => [])).length < 20 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      first.child.kill("SIGTERM");
      expect(await first.exit).toBe(0);
      const afterTerm = (await rowsIn(out)).length;
      expect(afterTerm).toBeGreaterThan(0);
      expect(afterTerm).toBeLessThan(expected.length);

      expect(await sabotRun(file, args).exit).toBe(0);
      const key = (r: Row) => JSON.stringify(r);
      expect((await rowsIn(out)).map(key).sort()).toEqual(expected.map(key).sort());
    },
    120_000,
  );
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";

/**
 * `sabot run --parallelism 2` runs its coordinator and worker processes over mTLS with an
 * ephemeral CA, and the job's output is the one a single process writes.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sabot-local-tls-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function manifest(out: string): string {
  const file = join(dir, `${out}.yaml`);
  writeFileSync(
    file,
    `apiVersion: sabot.dev/v1alpha1
kind: StreamJob
metadata: { name: local-tls }
spec:
  sources:
    bids:
      generator: { kind: nexmark-bid, seed: 7, count: 60000 }
      eventTime: { field: dateTime, maxOutOfOrderness: 1s }
  pipeline:
    - from: bids
      filter: "price > 1000000"
    - keyBy: [auction]
    - window: { type: tumbling, size: 10s }
      aggregate: ["count(*) AS bids", "max(price) AS top_price"]
    - to: out
  sinks:
    out:
      files: { path: ${JSON.stringify(join(dir, out))}, format: arrow }
`,
  );
  return file;
}

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, ["bin/sabot.js", "run", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 150_000,
    env: { ...process.env, SABOT_LOG_LEVEL: "info", SABOT_TLS: "", SABOT_TLS_DIR: "" },
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Every row the sink wrote, as sorted JSON lines. */
function rows(out: string): string[] {
  const folder = join(dir, out);
  return readdirSync(folder, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".arrow"))
    .flatMap((f) => tableFromIPC(readFileSync(join(folder, f))).toArray())
    .map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v)))
    .sort();
}

describe("sabot run --parallelism 2", () => {
  it("writes the same rows over mTLS as one process does", () => {
    const single = run([manifest("single"), "-q"]);
    expect(single.status, single.output).toBe(0);
    const distributed = run([manifest("distributed"), "--parallelism", "2", "-q"]);
    expect(distributed.status, distributed.output).toBe(0);
    // Both workers served and dialled with certificates of the run's own CA.
    expect(
      distributed.output.match(/"transport":"mTLS \([^)]*sabot-tls-[^)]*\/worker\)"/g)?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(distributed.output).toMatch(/"transport":"mTLS \(certificates in memory\)".*"coordinator listening"/);
    const expected = rows("single");
    expect(expected.length).toBeGreaterThan(10);
    expect(rows("distributed")).toEqual(expected);
  }, 320_000);
});

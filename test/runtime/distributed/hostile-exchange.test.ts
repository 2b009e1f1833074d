import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { parseManifest, type StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { batchRows, type Row } from "../../helpers/collecting-sink.js";
import { exchangeOutcome } from "../../helpers/exchange-peer.js";
import { seededRng } from "../../helpers/random.js";
import { runJob } from "../../helpers/run-job.js";
import { sleep, type TestCluster, useTestClusters } from "./cluster.js";

/**
 * Real coordinator and worker processes; while the job runs, a rogue client keeps sending the
 * workers' exchange ports garbage: bytes that are no frame, credits before a hello, hellos
 * for other jobs and attempts, absurd credits. TLS is off for this test: with mTLS on (the
 * default) the rogue has no certificate and is refused in the handshake, before any of this is
 * read (test/runtime/distributed/mtls.test.ts). The workers must neither crash nor stall, and the
 * job's output must be what one process computes.
 */
const newCluster = useTestClusters();
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The quick start (a Nexmark generator, keyBy, windows: every row crosses the exchange) into files. */
const job = (out: string): StreamJobManifest => {
  const quickstart = parseManifest(readFileSync(join(ROOT, "examples/quickstart.yaml"), "utf8"));
  return {
    name: "hostile",
    spec: { ...quickstart.spec, sinks: { out: { files: { path: out, format: "arrow" } } } },
  };
};

/** The exchange addresses the workers logged ("worker exchange listening"). */
function exchangeAddresses(c: TestCluster): string[] {
  return readdirSync(c.dir)
    .filter((f) => f.startsWith("worker-") && f.endsWith(".log"))
    .flatMap((f) =>
      readFileSync(join(c.dir, f), "utf8")
        .split("\n")
        .filter((l) => l.includes("worker exchange listening"))
        .map((l) => (JSON.parse(l) as { address: string }).address),
    );
}

/**
 * One round of garbage at one worker; resolves with how the worker ended each connection: its
 * refusal's code, "closed" when it hung up without one, "served" when it sent data frames, or
 * "open" when it still held the connection after 2 s.
 */
async function attack(address: string, round: number): Promise<string[]> {
  const rng = seededRng(round);
  const garbage = Buffer.from(Array.from({ length: 64 }, () => rng.int(0, 255)));
  const rounds = await Promise.all([
    // Bytes that are no frame, then the end of the stream (mid-frame, if they declared a longer one).
    exchangeOutcome(address, "insecure", [garbage], { waitMs: 2000, end: true }),
    exchangeOutcome(address, "insecure", [{ request: "credit", credit: { edge: 0, credits: 3 } }], { waitMs: 2000 }),
    exchangeOutcome(
      address,
      "insecure",
      [{ request: "hello", hello: { jobName: "someone-else", attempt: 0, toSubtask: 0 } }],
      {
        waitMs: 2000,
      },
    ),
    exchangeOutcome(
      address,
      "insecure",
      [{ request: "hello", hello: { jobName: "hostile", attempt: 0, toSubtask: 1 } }],
      {
        waitMs: 2000,
      },
    ),
    exchangeOutcome(address, "insecure", [{ request: "hello", hello: { jobName: "", attempt: 1, toSubtask: 0 } }], {
      waitMs: 2000,
    }),
    exchangeOutcome(
      address,
      "insecure",
      [
        { request: "hello", hello: { jobName: "hostile", attempt: 0, toSubtask: 0 } },
        { request: "credit", credit: { edge: 99, credits: 2 ** 31 } },
      ],
      { waitMs: 2000 },
    ),
  ]);
  return rounds.map((o) =>
    o.frames.some((f) => f.frame === "data")
      ? "served"
      : (o.refusal?.code ?? (o.ending === "open" ? "open" : "closed")),
  );
}

function readOutput(dir: string): Row[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".arrow"))
    .flatMap((f) => tableFromIPC(readFileSync(join(dir, f))).batches.flatMap(batchRows));
}

describe("a rogue client at the workers' exchange ports", () => {
  it("is refused on every stream; the workers keep running and the job's output is exact", async () => {
    const c = newCluster({ SABOT_TLS: "off" });
    const out = join(c.dir, "out");
    const manifest = job(out);
    await c.startCoordinator(c.writeManifest("hostile", manifest), 2);
    const workers = [c.startWorker("worker-0"), c.startWorker("worker-1")];
    let addresses: string[] = [];
    while (addresses.length < 2) {
      await sleep(50);
      addresses = exchangeAddresses(c);
    }
    const codes = new Map<string, number>();
    let rounds = 0;
    let state = "";
    while (state !== "FINISHED" && state !== "FAILED" && rounds < 400) {
      for (const a of addresses)
        for (const code of await attack(a, rounds)) codes.set(code, (codes.get(code) ?? 0) + 1);
      rounds++;
      state = (await c.status()).state;
    }
    const final = await c.waitForStatus((s) => s.state === "FINISHED" || s.state === "FAILED", 120_000, "the end");
    // Printed for docs/development.md ("Reliability figures").
    console.log(`rogue exchange client: ${rounds} rounds, endings ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(final.state).toBe("FINISHED");
    expect(rounds).toBeGreaterThan(0);
    // Every garbage stream was ended by the worker: none hung and none was served.
    expect(codes.has("open")).toBe(false);
    expect(codes.has("served")).toBe(false);
    expect(codes.get("invalid_argument")).toBeGreaterThan(0);
    for (const w of workers) expect(w.exitCode === null || w.exitCode === 0).toBe(true);
    const key = (r: Row) => JSON.stringify([r.auction, r.window_start, r.bids, r.top_price, r.avg_price]);
    const single = await runJob({ ...manifest, spec: { ...manifest.spec, sinks: { out: { console: {} } } } });
    const got = readOutput(out).map(key).sort();
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(single.rows.out!.map(key).sort());
  }, 180_000);
});

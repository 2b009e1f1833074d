import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../runtime/contract/spec/schema.js";
import { waitFor } from "../env/lib/wait.js";
import { testEnv } from "../helpers/env.js";
import { createTopic, useTestKafka } from "../helpers/kafka.js";
import { readCommittedValues } from "../helpers/read-committed.js";
import { runJob } from "../helpers/run-job.js";
import { sqlManifest } from "../runtime/planner/sql/sql-fixtures.js";
import {
  applyJson,
  diagnostics,
  installOperator,
  kubectl,
  onRealNode,
  type RealCluster,
  STORAGE_SECRET,
  uninstall,
  waitForPhase,
} from "./real-cluster.js";

/**
 * A StreamJob written in SQL (spec.sql), as a user applies it: the operator from the chart runs it
 * on the real node, it is suspended with a savepoint and resumed from it, and a read_committed
 * reader sees exactly the rows the same SQL gives when run in-process on the same seeded events.
 * Bounded: 40,000 generated bids at 2,000 a second.
 */

const JOB = "sql-counts";
const COUNT = 40_000;
const brokers = () => testEnv().kafka.brokers;
const k = useTestKafka();

function sql(topic: string): string {
  return `CREATE TABLE bid (
  auction BIGINT, price BIGINT, \`dateTime\` TIMESTAMP(3),
  WATERMARK FOR \`dateTime\` AS \`dateTime\` - INTERVAL '1' SECOND
) WITH ('connector' = 'datagen-nexmark', 'kind' = 'bid', 'seed' = '3', 'count' = '${COUNT}',
        'rows-per-second' = '2000', 'batch-size' = '500');
CREATE TABLE counts (auction BIGINT, window_start TIMESTAMP(3), bids BIGINT, top BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${brokers().join(",")}', 'format' = 'json');
INSERT INTO counts
SELECT auction, window_start, COUNT(*), MAX(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(\`dateTime\`), INTERVAL '1' SECOND))
GROUP BY auction, window_start, window_end;`;
}

const row = (r: Record<string, unknown>) =>
  JSON.stringify([Number(r.auction), Number(r.window_start), Number(r.bids), Number(r.top)]);

describe("a SQL StreamJob through the operator, on real pods", () => {
  let c: RealCluster;
  let output: string;
  const patchSpec = (s: Partial<StreamJobSpec>) =>
    kubectl(c.ns, "patch", `streamjob/${JOB}`, "--type=merge", "-p", JSON.stringify({ spec: s }));

  beforeAll(async () => {
    c = await installOperator("e2e-sql");
    output = await createTopic(k.admin, "e2e-sql-out", 1);
  }, 300_000);

  afterAll(() => uninstall(c), 180_000);

  /** Runs a test's body; on failure prints the namespace's pods, events and logs first. */
  const explained = async (body: () => Promise<void>) => {
    try {
      await body();
    } catch (err) {
      console.error(await diagnostics(c));
      throw err;
    }
  };

  it("refuses a spec with both sql and sources at the API server (the CRD's rule)", () =>
    explained(async () => {
      const both = { sql: sql(output), sources: { b: { generator: { kind: "nexmark-bid" } } } };
      await expect(
        applyJson(c.ns, {
          apiVersion: "sabot.dev/v1alpha1",
          kind: "StreamJob",
          metadata: { name: "both" },
          spec: both,
        }),
      ).rejects.toThrow(/give either sql or sources, pipeline and sinks, not both/);
    }));

  it(
    "reaches Running, suspends with a savepoint, resumes from it and writes the in-process answer exactly once",
    () =>
      explained(async () => {
        const spec = {
          sql: sql(output),
          parallelism: 1,
          checkpointing: { interval: "1s", storage: `s3://${c.bucket}/state`, mode: "exactly-once" },
          storageSecret: STORAGE_SECRET,
          podTemplate: { spec: onRealNode() },
        } as StreamJobSpec;
        await applyJson(c.ns, { apiVersion: "sabot.dev/v1alpha1", kind: "StreamJob", metadata: { name: JOB }, spec });
        await waitForPhase(c, JOB, "Running", (s) => s.lastCheckpoint !== undefined);
        await patchSpec({ state: "suspended" });
        const suspended = await waitForPhase(c, JOB, "Suspended");
        expect(suspended.lastSavepoint?.path).toMatch(/^s3:\/\//);
        await patchSpec({ state: "running" });
        const resumed = await waitForPhase(c, JOB, "Running");
        expect(resumed.restoreFrom).toBe(suspended.lastSavepoint!.path);

        const local = await runJob(sqlManifest(sql(output).replace("'rows-per-second' = '2000', ", "")));
        const expected = local.rows.counts.map(row).sort();
        expect(expected.length).toBeGreaterThan(0);
        const got = await waitFor(
          async () => {
            const rows = readCommittedValues(brokers(), output).map((v) => row(JSON.parse(v)));
            return rows.length >= expected.length ? rows.sort() : undefined;
          },
          { what: `${expected.length} committed rows`, timeoutMs: 120_000, intervalMs: 2_000 },
        );
        expect(got).toEqual(expected);
      }),
    420_000,
  );
});

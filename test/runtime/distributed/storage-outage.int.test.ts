import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamJobManifest } from "../../../runtime/contract/spec/manifest.js";
import { s3ClientFromEnv } from "../../../runtime/contract/storage/s3-client.js";
import type { Row } from "../../helpers/collecting-sink.js";
import { setS3Env, testEnv } from "../../helpers/env.js";
import { closeClusters, startInProcessCluster, waitFor } from "../../helpers/in-process-cluster.js";
import { uniqueName } from "../../helpers/names.js";
import { runJob } from "../../helpers/run-job.js";
import { TcpProxy } from "../../helpers/tcp-proxy.js";
import { auctionWindowJob } from "../../helpers/test-jobs.js";

/**
 * The checkpoint store (real MinIO, behind a TCP proxy the test cuts) becomes unreachable while a
 * distributed job runs: checkpoints fail and are counted, processing goes on, checkpoints succeed
 * again once the store is back, and the output is complete.
 */
let restoreEnv: () => void;
let proxy: TcpProxy;
let bucket: string;

beforeAll(async () => {
  const endpoint = new URL(testEnv().s3.endpoint);
  proxy = await TcpProxy.start(endpoint.hostname, Number(endpoint.port));
  // The workers in this process take the store's address from the standard AWS variables.
  restoreEnv = setS3Env(proxy.url, { AWS_MAX_ATTEMPTS: "2" });
  bucket = uniqueName("outage");
  await s3ClientFromEnv().send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await closeClusters();
  await proxy.close();
  restoreEnv();
});

const manifest = (name: string, storage: string): StreamJobManifest =>
  auctionWindowJob({
    name,
    seed: 21,
    count: 150000,
    partitions: 4,
    batchSize: 1000,
    rate: 15000,
    maxOutOfOrderness: "1s",
    aggregate: ["count(*) AS bids", "max(price) AS top"],
    checkpointing: { interval: "300ms", timeout: "2s", storage },
  });

const sorted = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();

describe("checkpoint storage outage", () => {
  it("fails and reports checkpoints while S3 is unreachable, keeps processing, recovers, and loses nothing", async () => {
    const local = await runJob(manifest("outage-local", `s3://${bucket}/local`));
    const c = await startInProcessCluster(manifest("outage", `s3://${bucket}/dist`), 2);
    const co = c.service.coordinator;
    await waitFor(() => co.checkpoints.completed >= 2, "two checkpoints", 30_000);
    const before = { completed: co.checkpoints.completed, read: co.metricsSummary().total.recordsIn };
    proxy.cut();
    await waitFor(() => co.checkpoints.failed >= 1, "a failed checkpoint", 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    const during = {
      completed: co.checkpoints.completed,
      read: co.metricsSummary().total.recordsIn,
      state: co.jobState,
    };
    proxy.restore();
    await waitFor(() => co.checkpoints.completed > during.completed, "a checkpoint after the outage", 30_000);
    const { status, rows } = await c.done;
    console.info(
      `outage: ${status.checkpointsFailed} checkpoints failed, ${status.checkpointsCompleted} completed; read ${before.read} → ${during.read} records during the outage`,
    );
    expect(during.state).toBe("RUNNING");
    expect(during.read).toBeGreaterThan(before.read);
    expect(status.state).toBe("FINISHED");
    expect(status.restarts).toBe(0);
    expect(status.checkpointsFailed).toBeGreaterThanOrEqual(1);
    expect(sorted(rows("out"))).toEqual(sorted(local.rows.out));
  }, 120_000);
});

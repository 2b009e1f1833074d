import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { CoordinatorClients } from "../../../operator/streamjob/coordinator-client.js";
import type { StreamJob } from "../../../operator/streamjob/job.js";
import { tlsFiles } from "../../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../../runtime/contract/tls/job-certificates.js";
import { coordinatorConfig } from "../../../runtime/distributed/config.js";
import { CoordinatorService } from "../../../runtime/distributed/coordinator/service.js";
import { auctionWindowJob } from "../../helpers/test-jobs.js";

/**
 * The operator's per-job client over mTLS against a real coordinator. Its credentials source hands
 * out the same certificate as a new object each time (as a Secret read again does): calls made at
 * once must share one channel rather than close each other's.
 */
const certs = issueJobCertificates("clients");
let service: CoordinatorService | undefined;
afterAll(async () => service?.close());

const job = { kind: "StreamJob", metadata: { name: "clients", namespace: "ns", uid: "u" } } as StreamJob;

describe("CoordinatorClients over mTLS", () => {
  it("serves concurrent calls with credentials that are equal but not the same object", async () => {
    const manifest = auctionWindowJob({
      name: "clients",
      seed: 1,
      partitions: 1,
      batchSize: 10,
      rate: 10,
      maxOutOfOrderness: "1s",
      aggregate: ["count(*) AS n"],
    });
    const config = {
      ...coordinatorConfig({}, {}),
      port: 0,
      parallelism: 1,
      tls: tlsFiles(certs.ca.cert, certs.coordinator),
    };
    service = await CoordinatorService.start(manifest, config, pino({ level: "silent" }));
    const address = service.address;
    const clients = new CoordinatorClients(
      { client: async () => tlsFiles(certs.ca.cert, certs.client) },
      () => address,
    );
    try {
      const c = clients.for(job);
      const [status, metrics] = await Promise.all([c.getJobStatus(), c.getMetricsSummary()]);
      expect(status.jobName).toBe("clients");
      expect(metrics.jobName).toBe("clients");
    } finally {
      clients.closeAll();
    }
  });
});

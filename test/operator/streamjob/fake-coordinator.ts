/**
 * A stand-in coordinator process for the operator's tests: serves the Control API behind mTLS
 * with the certificates in the folder argv[2] (a coordinator's --tls-dir) and answers
 * GetJobStatus with an unknown state while the file argv[3] exists, sanely otherwise. Prints
 * `fake coordinator listening on 127.0.0.1:PORT`. Other calls answer UNIMPLEMENTED.
 */
import { existsSync } from "node:fs";
import { addControlService, type ControlHandlers, grpc, startServer } from "../../../runtime/contract/rpc/loader.js";
import { emptyMetrics, type JobStatus, type MetricsSummary } from "../../../runtime/contract/rpc/messages.js";
import { readTlsDir } from "../../../runtime/contract/tls/files.js";

const [tlsDir, nonsenseFile] = process.argv.slice(2);
if (!tlsDir || !nonsenseFile) throw new Error("usage: fake-coordinator.ts TLS_DIR NONSENSE_FILE");

function jobStatus(): JobStatus {
  const state = existsSync(nonsenseFile!) ? "BANANA" : "RUNNING";
  return { jobName: "fake", state, attempt: 1, lastCheckpoint: null } as unknown as JobStatus;
}

function metrics(): MetricsSummary {
  return { jobName: "fake", attempt: 1, total: { ...emptyMetrics(), watermark: 0 }, workers: [] };
}

const unimplemented = (_call: unknown, done: grpc.sendUnaryData<never>) =>
  done({ code: grpc.status.UNIMPLEMENTED, details: "a fake coordinator" }, null);

const handlers: Partial<ControlHandlers> = {
  GetJobStatus: (_call, done) => done(null, jobStatus()),
  GetMetricsSummary: (_call, done) => done(null, metrics()),
  ReportOperatorView: (_call, done) => done(null, {}),
};
const names = ["RegisterWorker", "Heartbeat", "ReportTaskState", "StopJob", "CancelJob"] as const;
for (const n of [...names, "AcknowledgeCheckpoint", "TriggerSavepoint", "GetCheckpoint"] as const)
  (handlers as Record<string, unknown>)[n] = unimplemented;

const { port } = await startServer("127.0.0.1", 0, readTlsDir(tlsDir), (server) =>
  // WatchCommands is a stream the operator never opens; the others answer UNIMPLEMENTED.
  addControlService(server, handlers as ControlHandlers),
);
console.log(`fake coordinator listening on 127.0.0.1:${port}`);

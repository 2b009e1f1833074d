import type { Logger } from "pino";
import type { ConnectorContext } from "../../runtime/connectors/connector.js";
import { EngineMetrics } from "../../runtime/metrics/metrics.js";

/** The context a job gives a source or sink, for subtask `subtask` of `parallelism`, with fresh metrics. */
export function testConnectorContext(
  jobName: string,
  name: string,
  log: Logger,
  subtask = 0,
  parallelism = 1,
): ConnectorContext & { metrics: EngineMetrics } {
  return {
    jobName,
    name,
    subtask,
    parallelism,
    metrics: new EngineMetrics(),
    labels: { job_name: jobName, subtask: String(subtask) },
    log,
  };
}

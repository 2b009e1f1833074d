import type { StreamJob } from "../job.js";
import type { OperatorSettings } from "./settings.js";

/**
 * The job as the operator runs it: a job that names no `checkpointing.storage` gets the cluster's
 * default (the chart's `jobs.checkpointStorage`), under a folder of its namespace so that jobs of
 * the same name in two namespaces never share checkpoints, and then the default's credentials
 * Secret unless it names its own. The object in the API server is left as the user wrote it.
 */
export function withOperatorDefaults(job: StreamJob, defaults: OperatorSettings["checkpointStorage"]): StreamJob {
  if (!defaults.url || job.spec.checkpointing?.storage) return job;
  const storage = `${defaults.url.replace(/\/+$/, "")}/${job.metadata.namespace}`;
  const spec = { ...job.spec, checkpointing: { ...job.spec.checkpointing, storage } };
  if (defaults.secret && !spec.storageSecret) spec.storageSecret = defaults.secret;
  return { ...job, spec };
}

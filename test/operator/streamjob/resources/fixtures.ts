import type { StreamJob } from "../../../../operator/streamjob/job.js";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";

/** A small valid job spec (a generator into the console), for builder and API-server tests. */
export function jobSpec(extra: Partial<StreamJobSpec> = {}): StreamJobSpec {
  return {
    sources: { bids: { generator: { kind: "nexmark-bid", count: 1000 } } },
    pipeline: [{ from: "bids", filter: "price > 100" }, { to: "out" }],
    sinks: { out: { console: { maxRows: 5 } } },
    parallelism: 2,
    ...extra,
  };
}

/** A StreamJob as the API server would return it (with a uid), without talking to one. */
export function streamJob(name: string, extra: Partial<StreamJobSpec> = {}, namespace = "team-a"): StreamJob {
  return {
    apiVersion: "sabot.dev/v1alpha1",
    kind: "StreamJob",
    metadata: { name, namespace, uid: `uid-of-${name}` },
    spec: jobSpec(extra),
  };
}

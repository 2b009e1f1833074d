import { StreamJobSpecSchema } from "../../runtime/contract/spec/schema.js";
import { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import { namespacedCrd } from "./envelope.js";
import { type JsonSchema, toOpenApi } from "./openapi.js";

/**
 * The longest StreamJob name: its children are named `<job>-coordinator` etc., Service names are
 * DNS labels (≤ 63), and StatefulSet pods add `-<ordinal>` plus a revision-hash label.
 */
export const MAX_JOB_NAME_LENGTH = 40;

const exactlyOne = (fields: string[]) => `${fields.map((f) => `(has(self.${f}) ? 1 : 0)`).join(" + ")} == 1`;

/** Rules the schema cannot say, checked by the API server (CEL) as well as by the engine. */
function withRules(spec: JsonSchema): JsonSchema {
  const props = spec.properties as Record<string, JsonSchema>;
  const rule = (s: JsonSchema, r: { rule: string; message: string }) => {
    s["x-kubernetes-validations"] = [...((s["x-kubernetes-validations"] as unknown[]) ?? []), r];
  };
  // The API server refuses CEL rules whose worst-case cost is unbounded; the spec schema bounds
  // the lists and maps these per-element rules run on (pipeline maxItems, sources/sinks maxProperties).
  rule((props.sources as JsonSchema).additionalProperties as JsonSchema, {
    rule: exactlyOne(["kafka", "generator"]),
    message: "a source needs exactly one of kafka or generator",
  });
  rule((props.sinks as JsonSchema).additionalProperties as JsonSchema, {
    rule: exactlyOne(["kafka", "files", "console"]),
    message: "a sink needs exactly one of kafka, files or console",
  });
  rule((props.pipeline as JsonSchema).items as JsonSchema, {
    rule: exactlyOne(["filter", "select", "keyBy", "window", "join", "lookupJoin", "to"]),
    message: "a step needs exactly one of filter, select, keyBy, window, join, lookupJoin or to",
  });
  const join = ((props.pipeline as JsonSchema).items as JsonSchema).properties as Record<string, JsonSchema>;
  rule(join.join, {
    rule: "!has(self.window) || !has(self.between)",
    message: "a join has window (a window join) or between (an interval join), not both",
  });
  rule(join.join, {
    rule: "!has(self.stateTtl) || (!has(self.window) && !has(self.between))",
    message: "stateTtl is for a regular join (no window, no between)",
  });
  rule(props.autoscaler as JsonSchema, {
    rule: "!has(self.minParallelism) || !has(self.maxParallelism) || self.minParallelism <= self.maxParallelism",
    message: "autoscaler.minParallelism must be <= autoscaler.maxParallelism",
  });
  rule(spec, {
    rule: "!has(self.sql) || (!has(self.sources) && !has(self.pipeline) && !has(self.sinks))",
    message: "give either sql or sources, pipeline and sinks, not both",
  });
  rule(spec, {
    rule: "has(self.sql) || (has(self.sources) && has(self.pipeline) && has(self.sinks))",
    message: "a job without sql needs sources, pipeline and sinks",
  });
  rule(spec, {
    rule: "!has(self.parallelism) || self.parallelism <= (has(self.maxParallelism) ? self.maxParallelism : 128)",
    message: "parallelism must be <= maxParallelism (the number of key groups)",
  });
  return spec;
}

/** The StreamJob CustomResourceDefinition, generated from the engine's spec schema. */
export function streamJobCrd(): JsonSchema {
  const spec = withRules(toOpenApi(StreamJobSpecSchema as unknown as JsonSchema));
  return namespacedCrd({
    kind: "StreamJob",
    plural: "streamjobs",
    shortNames: ["sj"],
    spec,
    status: toOpenApi(StreamJobStatus as unknown as JsonSchema),
    rootRules: [
      {
        rule: `self.metadata.name.size() <= ${MAX_JOB_NAME_LENGTH} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
        message: `a StreamJob name must start with a letter, hold only a-z, 0-9 and '-', and be at most ${MAX_JOB_NAME_LENGTH} characters (it names Services and pods)`,
      },
    ],
    subresources: {
      status: {},
      scale: {
        specReplicasPath: ".spec.parallelism",
        statusReplicasPath: ".status.parallelism",
        labelSelectorPath: ".status.selector",
      },
    },
    printerColumns: [
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "Parallelism", type: "integer", jsonPath: ".status.parallelism", description: "Workers running now" },
      { name: "Desired", type: "integer", jsonPath: ".status.desiredParallelism", priority: 1 },
      {
        name: "Lag",
        type: "integer",
        jsonPath: ".status.metrics.consumerLag",
        description: "Kafka records not yet read",
      },
      { name: "Last Checkpoint", type: "date", jsonPath: ".status.lastCheckpoint.time" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}

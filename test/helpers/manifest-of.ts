import type { StreamJobManifest } from "../../runtime/contract/spec/manifest.js";
import { parseManifest } from "./run-job.js";

/** A StreamJob manifest named `name` with this spec, through the same parser as a YAML file (JSON is YAML). */
export const manifestOf = (spec: object, name = "t"): StreamJobManifest =>
  parseManifest(
    JSON.stringify({
      apiVersion: "sabot.dev/v1alpha1",
      kind: "StreamJob",
      metadata: { name },
      spec,
    }),
  );

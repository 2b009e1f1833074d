import type { PipelineJobSpec } from "../contract/spec/schema.js";

/** A pipeline step's input streams (left first; undefined where absent) and its output stream. */
export interface StepStreams {
  inputs: (string | undefined)[];
  output: string | undefined;
}

/** Each step's input streams and output stream, wired as buildPlan wires them. */
export function wiring(spec: PipelineJobSpec): StepStreams[] {
  let previous: string | undefined;
  return spec.pipeline.map((step, i) => {
    const from = step.from ?? previous;
    const output = step.as ?? (step.to !== undefined ? from : `pipeline[${i}]`);
    previous = output;
    return { inputs: [from, step.join?.with ?? step.lookupJoin?.table], output };
  });
}

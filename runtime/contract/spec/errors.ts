/** One problem in a manifest, at a path a user can find (`spec.pipeline[2].window.size`). */
export interface SpecIssue {
  path: string;
  message: string;
}

/** A manifest that cannot run. Lists every problem found, not just the first. */
export class SpecError extends Error {
  constructor(readonly issues: SpecIssue[]) {
    super(`invalid StreamJob:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "SpecError";
  }
}

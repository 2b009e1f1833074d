import { describe, expect, it } from "vitest";
import { withOperatorDefaults } from "../../../../operator/streamjob/resources/job-defaults.js";
import { streamJob } from "./fixtures.js";

const DEFAULTS = { url: "s3://checkpoints/sabot/", secret: "s3-credentials" };

describe("withOperatorDefaults", () => {
  it("gives a job without storage the cluster's storage under its namespace, and the default's Secret", () => {
    const job = streamJob("clicks", { checkpointing: { interval: "10s" } }, "team-a");
    const got = withOperatorDefaults(job, DEFAULTS);
    expect(got.spec.checkpointing).toEqual({ interval: "10s", storage: "s3://checkpoints/sabot/team-a" });
    expect(got.spec.storageSecret).toBe("s3-credentials");
    // The object read from the API server is not changed.
    expect(job.spec.checkpointing).toEqual({ interval: "10s" });
    expect(job.spec.storageSecret).toBeUndefined();
  });

  it("also gives storage to a job without checkpointing, so its upgrades and suspends can take savepoints", () => {
    const got = withOperatorDefaults(streamJob("clicks", {}, "team-b"), DEFAULTS);
    expect(got.spec.checkpointing).toEqual({ storage: "s3://checkpoints/sabot/team-b" });
  });

  it("keeps a job's own storage and Secret, and does not add the default Secret to a job's own storage", () => {
    const own = streamJob("a", { checkpointing: { storage: "file:///data" }, storageSecret: "mine" });
    expect(withOperatorDefaults(own, DEFAULTS)).toBe(own);
    const noSecret = streamJob("b", { checkpointing: { storage: "s3://other/x" } });
    expect(withOperatorDefaults(noSecret, DEFAULTS).spec.storageSecret).toBeUndefined();
    const ownSecret = withOperatorDefaults(streamJob("c", { storageSecret: "mine" }), DEFAULTS);
    expect(ownSecret.spec.storageSecret).toBe("mine");
  });

  it("changes nothing when the operator has no default storage", () => {
    const job = streamJob("clicks");
    expect(withOperatorDefaults(job, { url: "", secret: "s3-credentials" })).toBe(job);
  });
});

import { describe, expect, it } from "vitest";
import { Sim, TIMING } from "./fakes.js";

describe("pending", () => {
  it.each([
    ["a running job", {}, "Deploying", undefined],
    ["a job created suspended", { state: "suspended" as const }, "Suspending", undefined],
    ["a job created with restoreFrom", { restoreFrom: "s3://b/old/chk-3" }, "Deploying", "s3://b/old/chk-3"],
  ])("deploys %s: its spec becomes lastReconciledSpec", async (_name, spec, phase, restoreFrom) => {
    const sim = new Sim(spec);
    const step = await sim.step();
    expect(step.phase).toBe(phase);
    expect(sim.deployed()).toEqual(sim.job.spec);
    expect(sim.status.restoreFrom).toBe(restoreFrom);
    expect(sim.status.lastStableSpec).toBeUndefined();
    expect(sim.coordinator.triggers).toHaveLength(0);
  });
});

describe("deploying", () => {
  it("finds a new job's status unchanged until a pod is ready, so a deploy writes the status once", async () => {
    const sim = new Sim();
    await sim.step();
    const written = sim.status;
    sim.advance(1_000);
    expect((await sim.step()).phase).toBe("Deploying");
    expect(sim.status).toEqual(written);
  });

  it("becomes Running once the deployment is ready", async () => {
    const sim = new Sim();
    await sim.step();
    expect((await sim.step()).phase).toBe("Deploying");
    sim.ready();
    const step = await sim.step();
    expect(step.phase).toBe("Running");
    expect(sim.condition("Ready")).toMatchObject({ status: "True", reason: "JobRunning" });
  });

  it("reports Degraded DeployTimeout past upgradeTimeout, with one Event, and recovers", async () => {
    const sim = new Sim();
    await sim.step();
    sim.advance(TIMING.upgradeTimeoutMs + 1);
    await sim.step();
    await sim.step();
    expect(sim.status.phase).toBe("Deploying");
    expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason: "DeployTimeout" });
    expect(sim.events.filter((e) => e === "DeployTimeout")).toHaveLength(1);
    sim.ready();
    await sim.step();
    expect(sim.status.phase).toBe("Running");
    expect(sim.condition("Degraded")).toMatchObject({ status: "False" });
  });
});

describe("running", () => {
  it("makes the spec stable only after it stayed ready for stableAfter", async () => {
    const sim = new Sim();
    await sim.step();
    sim.ready();
    const first = await sim.step();
    expect(first.phase).toBe("Running");
    expect(first.requeueAfterMs).toBeGreaterThan(0);
    sim.advance(TIMING.stableAfterMs / 2);
    await sim.step();
    expect(sim.status.lastStableSpec).toBeUndefined();
    sim.advance(TIMING.stableAfterMs);
    await sim.step();
    expect(sim.status.lastStableSpec).toBe(sim.status.lastReconciledSpec);
    expect(sim.events).toContain("SpecStable");
  });

  it("goes back to Deploying when a pod is lost, without an upgrade", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.ready(false);
    expect((await sim.step()).phase).toBe("Deploying");
    expect(sim.status.upgrade).toBeUndefined();
    sim.ready();
    expect((await sim.step()).phase).toBe("Running");
  });

  it("records a change of lifecycle settings only, without redeploying", async () => {
    const sim = new Sim();
    await sim.runningStable();
    const deployedAt = sim.status.deployedAt;
    sim.edit({ rollback: true, savepointTimeout: "2m" });
    const step = await sim.step();
    expect(step.phase).toBe("Running");
    expect(sim.deployed().rollback).toBe(true);
    expect(sim.status.deployedAt).toBe(deployedAt);
    expect(sim.events[0]).toBe("SpecUpdated");
    expect(sim.status.upgrade).toBeUndefined();
    expect(sim.coordinator.triggers).toHaveLength(0);
  });

  it("puts an invalid spec in Failed without touching the deployment", async () => {
    const { invalidSpec } = await import("../../../../operator/streamjob/states/failed.js");
    const sim = new Sim();
    await sim.runningStable();
    const step = invalidSpec(
      { job: sim.job, now: new Date(sim.nowMs), cluster: sim.cluster, coordinator: sim.coordinator, timing: TIMING },
      [{ path: "spec.pipeline[0].aggregate", message: "aggregate needs a window in the same step" }],
    );
    expect(step.phase).toBe("Failed");
    expect(step.error).toContain("aggregate needs a window");
    expect(step.status.lastReconciledSpec).toBe(sim.status.lastReconciledSpec);
  });
});

import { describe, expect, it } from "vitest";
import { SUSPENDED_WITHOUT_SAVEPOINT } from "../../../../operator/streamjob/states/steps.js";
import { FakeCoordinator, Sim, STORAGE } from "./fakes.js";

/** A running job without checkpoint storage, suspended: no savepoint, scaled to zero. */
async function suspendedWithoutStorage(): Promise<Sim> {
  const sim = new Sim({ checkpointing: undefined });
  await sim.runningStable();
  sim.edit({ state: "suspended" });
  await sim.step();
  sim.scaledDown();
  await sim.step();
  return sim;
}

describe("suspending, suspended and resuming", () => {
  it("suspends with a stop-with-savepoint, scales to zero, and resumes restoring it", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.edit({ state: "suspended" });
    expect((await sim.step()).phase).toBe("Suspending");
    expect(sim.status.upgrade).toMatchObject({ kind: "suspend", phase: "Savepointing" });
    expect(sim.deployed().state).toBeUndefined(); // still running the old spec while the savepoint runs
    await sim.step(); // trigger
    await sim.step(); // completed: scale to zero
    expect(sim.coordinator.triggers).toEqual([{ stop: true, reason: "suspend" }]);
    expect(sim.deployed().state).toBe("suspended");
    expect(sim.status.lastSavepoint).toMatchObject({ path: `${STORAGE}/job/sp-1`, reason: "suspend" });
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
    expect((await sim.step()).phase).toBe("Suspending");
    sim.scaledDown();
    expect((await sim.step()).phase).toBe("Suspended");
    expect(sim.condition("Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    expect(sim.condition("Ready")!.message).toContain("sp-1");

    sim.edit({ state: "running" });
    expect((await sim.step()).phase).toBe("Deploying");
    expect(sim.status.upgrade).toMatchObject({ kind: "resume", restoreFrom: `${STORAGE}/job/sp-1` });
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
    sim.ready();
    await sim.until("Running");
    expect(sim.events).toEqual(
      expect.arrayContaining(["Suspending", "SavepointTriggered", "SavepointCompleted", "Resuming", "Resumed"]),
    );
  });

  it("without storage suspends without a savepoint and says so", async () => {
    const sim = await suspendedWithoutStorage();
    expect(sim.status.phase).toBe("Suspended");
    expect(sim.condition("Ready")!.message).toBe(SUSPENDED_WITHOUT_SAVEPOINT);
    expect(sim.coordinator.triggers).toHaveLength(0);
  });

  it("a suspend whose savepoint fails keeps the job running (no silent checkpoint)", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.coordinator.completeCheckpoint();
    sim.coordinator.behaviour = "fail";
    sim.edit({ state: "suspended" });
    for (let i = 0; i < 3; i++) await sim.step();
    expect(sim.status.phase).toBe("Running");
    expect(sim.deployed().state).toBeUndefined();
    expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason: "SavepointFailed" });
  });

  it("a restoreFrom set while suspended is what the resume restores", async () => {
    const sim = await suspendedWithoutStorage();
    sim.edit({ restoreFrom: "s3://b/other/chk-9" });
    await sim.step();
    expect(sim.status.phase).toBe("Suspended");
    sim.edit({ state: "running" });
    await sim.step();
    expect(sim.status.restoreFrom).toBe("s3://b/other/chk-9");
  });
});

describe("an operator restarted mid-upgrade", () => {
  it("resumes from status: a new process follows the recorded savepoint, triggering none", async () => {
    const sim = new Sim({ parallelism: 2 });
    await sim.runningStable();
    sim.edit({ parallelism: 3 });
    await sim.step();
    await sim.step(); // savepoint 1 triggered and recorded
    sim.coordinator.behaviour = "hang";
    await sim.step();
    // A new operator: nothing of the old one but the StreamJob (status) and the coordinator.
    const restarted = new Sim({}, sim.coordinator);
    restarted.job = sim.job;
    restarted.nowMs = sim.nowMs + 5_000;
    restarted.cluster = sim.cluster;
    sim.coordinator.behaviour = "complete";
    await restarted.step();
    expect(sim.coordinator.triggers).toHaveLength(1);
    expect(restarted.deployed().parallelism).toBe(3);
    expect(restarted.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
  });

  it("adopts a savepoint triggered by an operator that died before recording its id", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.edit({ parallelism: 3 });
    await sim.step(); // start recorded, no id yet
    const recorded = sim.job;
    sim.advance(1_000);
    await sim.step(); // triggers; this status write is "lost"
    expect(sim.coordinator.triggers).toHaveLength(1);
    const restarted = new Sim({}, sim.coordinator);
    restarted.job = recorded;
    restarted.nowMs = sim.nowMs + 1_000;
    restarted.cluster = sim.cluster;
    await restarted.step();
    expect(sim.coordinator.triggers).toHaveLength(1);
    expect(restarted.status.lastSavepoint?.id).toBe(1);
    expect(restarted.deployed().parallelism).toBe(3);
  });

  it("keeps waiting for a coordinator that does not answer, until savepointTimeout", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.edit({ parallelism: 3 });
    await sim.step();
    sim.coordinator.reachable = false;
    await sim.step();
    expect(sim.status.upgrade?.phase).toBe("Savepointing");
    expect(sim.condition("Progressing")!.message).toContain("unreachable");
    sim.coordinator.reachable = true;
    await sim.step();
    expect(sim.coordinator.triggers).toHaveLength(1);
  });
});

describe("deleting", () => {
  it("takes a final savepoint, then releases the finalizer", async () => {
    const sim = new Sim();
    await sim.runningStable();
    let step = await sim.step({ deleting: true });
    expect(step.releaseFinalizer).toBeUndefined();
    expect(sim.status.upgrade).toMatchObject({ kind: "delete" });
    step = await sim.step({ deleting: true }); // trigger
    expect(step.releaseFinalizer).toBeUndefined();
    step = await sim.step({ deleting: true });
    expect(step.releaseFinalizer).toBe(true);
    expect(sim.status.lastSavepoint).toMatchObject({ reason: "delete", path: `${STORAGE}/job/sp-1` });
    expect(sim.events).toContain("FinalSavepointCompleted");
  });

  it.each([
    ["the coordinator is unreachable", (s: Sim) => void (s.coordinator.reachable = false), "FinalSavepointSkipped", 2],
    [
      "there is no storage",
      (s: Sim) => void (s.job.spec = { ...s.job.spec, checkpointing: undefined }),
      "FinalSavepointSkipped",
      1,
    ],
    ["the savepoint fails", (s: Sim) => void (s.coordinator.behaviour = "fail"), "FinalSavepointFailed", 3],
  ])("skips the final savepoint with an Event when %s", async (_n, arrange, reason, steps) => {
    const sim = new Sim({}, undefined);
    await sim.runningStable();
    arrange(sim);
    let released = false;
    for (let i = 0; i < steps; i++) released = (await sim.step({ deleting: true })).releaseFinalizer === true;
    expect(released).toBe(true);
    expect(sim.events).toContain(reason);
  });

  it("does not wait for a savepoint of a suspended job", async () => {
    const coordinator = new FakeCoordinator(() => 0);
    const sim = new Sim({ state: "suspended" }, coordinator);
    await sim.step();
    sim.scaledDown();
    await sim.step();
    const step = await sim.step({ deleting: true });
    expect(step.releaseFinalizer).toBe(true);
    expect(coordinator.triggers).toHaveLength(0);
  });
});

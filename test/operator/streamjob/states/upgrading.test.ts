import { describe, expect, it } from "vitest";
import type { StreamJobSpec } from "../../../../runtime/contract/spec/schema.js";
import { Sim, STORAGE, TIMING } from "./fakes.js";

describe("upgrading by upgradeMode", () => {
  it.each([
    // mode, spec extra, savepoints triggered, restore source of the new deployment
    ["savepoint", { upgradeMode: "savepoint" }, 1, /\/sp-\d+$/],
    ["default with storage (savepoint)", {}, 1, /\/sp-\d+$/],
    ["last-state", { upgradeMode: "last-state" }, 0, /\/chk-1$/],
    ["stateless", { upgradeMode: "stateless" }, 0, /^none$/],
  ] as [string, Partial<StreamJobSpec>, number, RegExp | undefined][])(
    "%s",
    async (_name, extra, triggers, restore) => {
      const sim = new Sim(extra);
      await sim.runningStable();
      sim.coordinator.completeCheckpoint(); // chk-1
      sim.edit({ pipeline: [{ from: "bids", filter: "price > 200" }, { to: "out" }] });
      const first = await sim.step();
      expect(first.phase).toBe("Upgrading");
      // The new pods are not ready yet once deployed (the sim does not see templates change).
      sim.ready(false);
      for (let i = 0; i < 4 && sim.status.upgrade?.phase !== "Deploying"; i++) await sim.step();
      expect(sim.status.upgrade).toMatchObject({ phase: "Deploying", kind: "upgrade" });
      expect(sim.deployed().pipeline![0]!.filter).toBe("price > 200");
      if (restore) expect(sim.status.restoreFrom).toMatch(restore);
      else expect(sim.status.restoreFrom).toBeUndefined();
      expect(sim.status.upgrade?.restoreFrom).toBe(sim.status.restoreFrom);
      expect(sim.coordinator.triggers).toHaveLength(triggers);
      if (triggers) expect(sim.coordinator.triggers[0]!.stop).toBe(true);
      sim.ready();
      await sim.until("Running");
      expect(sim.events).toContain("UpgradeCompleted");
      expect(sim.status.upgrade).toBeUndefined();
    },
  );

  it("keeps the old spec deployed while the savepoint runs, and records the savepoint", async () => {
    const sim = new Sim({ parallelism: 2 });
    await sim.runningStable();
    const before = sim.status.lastReconciledSpec;
    sim.edit({ parallelism: 3 });
    await sim.step(); // records the start
    expect(sim.status.upgrade).toMatchObject({ kind: "upgrade", phase: "Savepointing", targetGeneration: 2 });
    expect(sim.status.upgrade?.savepointId).toBeUndefined();
    await sim.step(); // triggers
    expect(sim.status.upgrade?.savepointId).toBe(1);
    expect(sim.status.lastReconciledSpec).toBe(before);
    expect(sim.events).toContain("SavepointTriggered");
    await sim.step(); // completes
    expect(sim.status.lastSavepoint).toMatchObject({ id: 1, path: `${STORAGE}/job/sp-1`, reason: "upgrade" });
    expect(sim.deployed().parallelism).toBe(3);
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
    expect(sim.status.phase).toBe("Upgrading");
  });

  it("without storage and without upgradeMode, upgrades stateless (no savepoint is possible)", async () => {
    const sim = new Sim({ checkpointing: undefined });
    await sim.runningStable();
    sim.edit({ parallelism: 3 });
    await sim.step();
    expect(sim.status.upgrade).toMatchObject({ mode: "stateless", phase: "Deploying" });
    expect(sim.coordinator.triggers).toHaveLength(0);
  });

  it("rolls a spec changed during the savepoint out with it", async () => {
    const sim = new Sim({ parallelism: 2 });
    await sim.runningStable();
    sim.edit({ parallelism: 3 });
    await sim.step();
    await sim.step();
    sim.edit({ parallelism: 4 });
    await sim.step();
    expect(sim.deployed().parallelism).toBe(4);
    expect(sim.coordinator.triggers).toHaveLength(1);
  });
});

describe("savepoint failures: never a silent fallback", () => {
  it.each([
    ["hang", "SavepointTimeout"],
    ["fail", "SavepointFailed"],
    ["no-storage", "SavepointUnavailable"],
    ["unimplemented", "SavepointUnavailable"],
  ] as const)(
    "a savepoint that does %s abandons the upgrade: old spec keeps running, Degraded %s",
    async (behaviour, reason) => {
      const sim = new Sim();
      await sim.runningStable();
      sim.coordinator.completeCheckpoint(); // a checkpoint exists, and must not be used
      const before = sim.status.lastReconciledSpec;
      sim.coordinator.behaviour = behaviour;
      sim.edit({ parallelism: 3 });
      await sim.step();
      for (let i = 0; i < 40 && sim.status.upgrade; i++) {
        sim.advance(1_000);
        await sim.step();
      }
      expect(sim.status.phase).toBe("Running");
      expect(sim.status.lastReconciledSpec).toBe(before);
      expect(sim.status.restoreFrom).toBeUndefined();
      expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason });
      expect(sim.condition("Ready")).toMatchObject({ status: "True" });
      expect(sim.status.lastUpgradeFailure).toMatchObject({ generation: 2, reason });
      expect(sim.events).toContain(reason);
      expect(sim.events).not.toContain("SavepointFallback");
      // Not retried for this generation: no new savepoint however often it is reconciled.
      const triggers = sim.coordinator.triggers.length;
      for (let i = 0; i < 3; i++) await sim.step();
      expect(sim.coordinator.triggers).toHaveLength(triggers);
      expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason });
      // A new spec retries.
      sim.coordinator.behaviour = "complete";
      sim.edit({ parallelism: 4 });
      await sim.step();
      expect(sim.status.upgrade?.phase).toBe("Savepointing");
    },
  );

  it("waits for a job that is still deploying instead of abandoning the upgrade, then takes the savepoint", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.coordinator.state = "DEPLOYING"; // pods ready, the coordinator still restoring (just resumed)
    sim.edit({ parallelism: 3 });
    for (let i = 0; i < 5; i++) {
      sim.advance(1_000);
      await sim.step();
    }
    expect(sim.status.upgrade?.phase).toBe("Savepointing");
    expect(sim.status.lastUpgradeFailure).toBeUndefined();
    expect(sim.coordinator.triggers).toHaveLength(0);
    sim.coordinator.state = "RUNNING";
    for (let i = 0; i < 4 && sim.status.upgrade?.phase === "Savepointing"; i++) await sim.step();
    expect(sim.coordinator.triggers).toHaveLength(1);
    expect(sim.deployed().parallelism).toBe(3);
  });

  it("gives up on a job that never runs after savepointTimeout", async () => {
    const sim = new Sim({ savepointTimeout: "10s" });
    await sim.runningStable();
    sim.coordinator.state = "RESTARTING";
    sim.edit({ parallelism: 3 });
    for (let i = 0; i < 20 && !sim.status.lastUpgradeFailure; i++) {
      sim.advance(1_000);
      await sim.step();
    }
    expect(sim.status.lastUpgradeFailure?.reason).toBe("SavepointTimeout");
    expect(sim.nowMs - Date.parse("2026-01-01T00:00:00Z")).toBeGreaterThanOrEqual(10_000);
  });

  it("a savepoint that hangs is given up after savepointTimeout, not before", async () => {
    const sim = new Sim({ savepointTimeout: "20s" });
    await sim.runningStable();
    sim.coordinator.behaviour = "hang";
    sim.edit({ parallelism: 3 });
    await sim.step();
    await sim.step();
    sim.advance(19_000);
    await sim.step();
    expect(sim.status.upgrade?.phase).toBe("Savepointing");
    sim.advance(2_000);
    await sim.step();
    expect(sim.status.upgrade).toBeUndefined();
    expect(sim.condition("Degraded")?.message).toContain("savepointTimeout (20s)");
  });

  it("falls back to the newest checkpoint only with savepointFallback: last-checkpoint, and says so", async () => {
    const sim = new Sim({ savepointFallback: "last-checkpoint" });
    await sim.runningStable();
    const chk = sim.coordinator.completeCheckpoint();
    sim.coordinator.behaviour = "fail";
    sim.edit({ parallelism: 3 });
    await sim.step();
    sim.ready(false);
    for (let i = 0; i < 3; i++) await sim.step();
    expect(sim.status.phase).toBe("Upgrading");
    expect(sim.status.restoreFrom).toBe(chk.path);
    expect(sim.status.upgrade?.fallback).toContain("savepointFallback is last-checkpoint");
    expect(sim.events).toContain("SavepointFallback");
    expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason: "SavepointFallback" });
  });
});

describe("failed upgrades and rollback", () => {
  async function failedUpgrade(rollback: boolean): Promise<Sim> {
    const sim = new Sim({ rollback, parallelism: 2 });
    await sim.runningStable();
    sim.edit({ image: "registry.example/never-ready:1" });
    await sim.step();
    sim.ready(false);
    for (let i = 0; i < 4 && sim.status.upgrade?.phase !== "Deploying"; i++) await sim.step();
    expect(sim.status.upgrade?.phase).toBe("Deploying");
    sim.advance(TIMING.upgradeTimeoutMs + 1);
    await sim.step();
    return sim;
  }

  it("rolls back to the last stable spec from the upgrade's savepoint when spec.rollback is set", async () => {
    const sim = await failedUpgrade(true);
    expect(sim.status.phase).toBe("Upgrading");
    expect(sim.status.upgrade).toMatchObject({ kind: "rollback", phase: "Deploying", targetGeneration: 2 });
    expect(sim.status.lastReconciledSpec).toBe(sim.status.lastStableSpec);
    expect(sim.deployed().image).toBeUndefined();
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
    expect(sim.events).toEqual(expect.arrayContaining(["UpgradeFailed", "RollingBack"]));
    sim.ready();
    await sim.until("Running");
    expect(sim.events).toContain("RolledBack");
    expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason: "UpgradeFailed" });
    // The failed generation is not tried again.
    sim.advance(60_000);
    await sim.step();
    expect(sim.status.phase).toBe("Running");
    expect(sim.coordinator.triggers).toHaveLength(1);
  });

  it("without rollback the job is Failed with the reason, and a fixed spec is deployed at once", async () => {
    const sim = await failedUpgrade(false);
    expect(sim.status.phase).toBe("Failed");
    expect(sim.status.error).toContain("was not Running within upgradeTimeout");
    expect(sim.status.error).toContain("spec.rollback is not set");
    expect(sim.condition("Degraded")).toMatchObject({ status: "True", reason: "UpgradeFailed" });
    expect(sim.events).toContain("UpgradeFailed");
    await sim.step();
    expect(sim.status.phase).toBe("Failed");
    sim.edit({ image: undefined });
    await sim.step();
    // No savepoint is possible from a job that is not running: the restore source it had is kept.
    expect(sim.status.phase).toBe("Deploying");
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/sp-1`);
    expect(sim.events).toContain("UpgradeWithoutSavepoint");
    sim.ready();
    await sim.until("Running");
    expect(sim.status.error).toBeUndefined();
  });

  it("a rollback that fails too ends Failed, without another rollback", async () => {
    const sim = await failedUpgrade(true);
    sim.advance(TIMING.upgradeTimeoutMs + 1);
    await sim.step();
    expect(sim.status.phase).toBe("Failed");
    expect(sim.condition("Degraded")).toMatchObject({ reason: "RollbackFailed" });
  });
});

describe("restoreFrom", () => {
  it("changing spec.restoreFrom redeploys restoring exactly that folder, without a savepoint", async () => {
    const sim = new Sim();
    await sim.runningStable();
    sim.edit({ restoreFrom: `${STORAGE}/job/chk-2` });
    await sim.step();
    expect(sim.status.upgrade).toMatchObject({
      kind: "restore",
      phase: "Deploying",
      restoreFrom: `${STORAGE}/job/chk-2`,
    });
    expect(sim.status.restoreFrom).toBe(`${STORAGE}/job/chk-2`);
    expect(sim.coordinator.triggers).toHaveLength(0);
    expect(sim.events).toContain("RestoreRequested");
  });
});

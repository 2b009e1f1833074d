import { describe, expect, it } from "vitest";
import { coordinatorConfig, DistributedConfigError, workerConfig } from "../../../runtime/distributed/config.js";
import { RestartStrategy } from "../../../runtime/distributed/coordinator/restart-strategy.js";

describe("distributed settings", () => {
  it("reads a worker's settings from SABOT_* variables, flags winning", () => {
    const env = {
      SABOT_COORDINATOR_ADDRESS: "10.0.0.5:7070",
      SABOT_WORKER_ID: "job-worker-3",
      SABOT_BIND_ADDRESS: "0.0.0.0",
      SABOT_WORKER_PORT: "7071",
      SABOT_ADVERTISED_ADDRESS: "10.0.0.9:7071",
    };
    expect(workerConfig({}, env)).toMatchObject({
      coordinatorAddress: "10.0.0.5:7070",
      workerId: "job-worker-3",
      bindAddress: "0.0.0.0",
      port: 7071,
      advertisedAddress: "10.0.0.9:7071",
      credits: 8,
      frameRows: 16_384,
      channelBufferRows: 32_768,
    });
    expect(workerConfig({ id: "w", port: "0" }, env)).toMatchObject({ workerId: "w", port: 0 });
    expect(workerConfig({ coordinator: "127.0.0.1:1" }, {})).toMatchObject({ bindAddress: "127.0.0.1", port: 0 });
  });

  it("says which setting is wrong", () => {
    expect(() => workerConfig({}, {})).toThrow(/SABOT_COORDINATOR_ADDRESS/);
    expect(() => workerConfig({}, { SABOT_COORDINATOR_ADDRESS: "nohost" })).toThrow(/host:port/);
    expect(() => workerConfig({}, { SABOT_COORDINATOR_ADDRESS: "a:1", SABOT_EXCHANGE_CREDITS: "0" })).toThrow(
      DistributedConfigError,
    );
    expect(() => coordinatorConfig({}, { SABOT_HEARTBEAT_INTERVAL: "5s", SABOT_HEARTBEAT_TIMEOUT: "6s" })).toThrow(
      /at least twice/,
    );
    expect(() => coordinatorConfig({}, { SABOT_SHUTDOWN_TIMEOUT: "soon" })).toThrow(/SABOT_SHUTDOWN_TIMEOUT/);
    expect(coordinatorConfig({ parallelism: "4" }, {})).toMatchObject({
      port: 7070,
      bindAddress: "127.0.0.1",
      parallelism: 4,
      heartbeatTimeoutMs: 10_000,
    });
  });
});

describe("restart strategy", () => {
  it("backs off exponentially up to maxBackoff and gives up after maxRestarts consecutive failures", () => {
    const r = new RestartStrategy({ maxRestarts: 5, initialBackoff: "1s", maxBackoff: "5s", multiplier: 2 });
    expect([0, 0, 0, 0, 0].map(() => r.onFailure(10))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(r.onFailure(10)).toBeNull();
    expect(r.total).toBe(5);
  });

  it("starts the count again after an attempt that ran long", () => {
    const r = new RestartStrategy({ maxRestarts: 1, initialBackoff: "100ms" });
    expect(r.onFailure(0)).toBe(100);
    expect(r.onFailure(r.resetAfterMs)).toBe(100);
    expect(r.onFailure(0)).toBeNull();
  });
});

import diagnosticsChannel from "node:diagnostics_channel";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { PooledKubeConfig } from "../../../operator/kube/kube-config.js";
import { testEnv } from "../../helpers/env.js";

/** Counts the TLS connections undici (client-node's HTTP client) opens while `run` runs. */
async function connectionsDuring(run: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const count = () => opened++;
  diagnosticsChannel.subscribe("undici:client:connected", count);
  try {
    await run();
  } finally {
    diagnosticsChannel.unsubscribe("undici:client:connected", count);
  }
  return opened;
}

function load<T extends KubeConfig>(kc: T): T {
  kc.loadFromFile(testEnv().kube.kubeconfig);
  return kc;
}

describe("the operator's KubeConfig on a real API server", () => {
  it("sends a run of requests over one kept-alive connection", async () => {
    const core = load(new PooledKubeConfig()).makeApiClient(CoreV1Api);
    const opened = await connectionsDuring(async () => {
      for (let i = 0; i < 30; i++) await core.listNamespace({ limit: 1 });
    });
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(2);
  });

  it("serves requests made at once from one pool, every answer intact", async () => {
    const core = load(new PooledKubeConfig()).makeApiClient(CoreV1Api);
    let names: string[][] = [];
    const opened = await connectionsDuring(async () => {
      for (let round = 0; round < 3; round++) {
        names = await Promise.all(
          Array.from({ length: 8 }, async () => (await core.listNamespace()).items.map((n) => n.metadata?.name ?? "")),
        );
      }
    });
    expect(names.every((n) => n.includes("default"))).toBe(true);
    // Eight at a time need up to eight connections; the later rounds reuse them.
    expect(opened).toBeLessThanOrEqual(8);
  });

  it("is needed: client-node alone opens a connection for every request", async () => {
    // When this fails, client-node reuses connections by itself and PooledKubeConfig can go.
    const core = load(new KubeConfig()).makeApiClient(CoreV1Api);
    const opened = await connectionsDuring(async () => {
      for (let i = 0; i < 10; i++) await core.listNamespace({ limit: 1 });
    });
    expect(opened).toBe(10);
  });
});

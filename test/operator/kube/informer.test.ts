import { createServer, type Server, type ServerResponse } from "node:http";
import { CoreV1Api, KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ResilientInformer } from "../../../operator/kube/informer.js";
import { waitFor } from "../../env/lib/wait.js";

/**
 * A fake API server for one list+watch path, so failures can be scripted: the informer must
 * re-list after a failed list and after `410 Gone`, which client-node alone does not survive.
 */
function fakeApiServer(script: { failLists: number }) {
  const calls = { lists: 0, watches: 0 };
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname !== "/api/v1/namespaces/t/configmaps") return void res.writeHead(404).end();
    if (url.searchParams.get("watch") === "true") {
      calls.watches++;
      res.writeHead(200, { "content-type": "application/json" });
      if (calls.watches === 1) {
        // The resourceVersion was compacted away: the watch answers 410 and ends.
        res.end(
          `${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired" } })}\n`,
        );
      } else open.push(res); // a healthy watch stays open
      return;
    }
    calls.lists++;
    if (calls.lists <= script.failLists) {
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(JSON.stringify({ kind: "Status", code: 500, message: "etcd is sad" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        kind: "ConfigMapList",
        apiVersion: "v1",
        metadata: { resourceVersion: String(10 + calls.lists) },
        items: [{ metadata: { name: `cm-${calls.lists}`, namespace: "t", resourceVersion: String(10 + calls.lists) } }],
      }),
    );
  });
  return {
    server,
    calls,
    closeWatches: () => {
      for (const r of open) r.end();
    },
  };
}

/** A fake API server whose list returns `items` and whose watch sends `events`, then stays open. */
function steadyApiServer(items: object[], events: object[]) {
  const open: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.writeHead(200, { "content-type": "application/json" });
    if (url.searchParams.get("watch") !== "true")
      return void res.end(
        JSON.stringify({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items }),
      );
    for (const e of events) res.write(`${JSON.stringify(e)}\n`);
    open.push(res);
  });
  return {
    server,
    closeWatches: () => {
      for (const r of open) r.end();
    },
  };
}

function kubeConfigFor(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain http unless TLS verification is (vacuously) skipped.
    clusters: [{ name: "fake", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "c", cluster: "fake", user: "u" }],
    currentContext: "c",
  });
  return kc;
}

describe("ResilientInformer", () => {
  let server: Server | undefined;
  let informer: ResilientInformer<V1ConfigMap> | undefined;
  let closeWatches = () => {};

  afterEach(async () => {
    await informer?.stop();
    closeWatches();
    await new Promise((r) => server?.close(r));
  });

  it("restarts after a failed list and re-lists after 410 Gone, delivering the objects", async () => {
    const fake = fakeApiServer({ failLists: 2 });
    server = fake.server;
    closeWatches = fake.closeWatches;
    await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", r));
    const { port } = fake.server.address() as { port: number };
    const kc = kubeConfigFor(port);
    const core = kc.makeApiClient(CoreV1Api);
    const seen = new Set<string>();
    informer = new ResilientInformer<V1ConfigMap>(
      kc,
      {
        path: "/api/v1/namespaces/t/configmaps",
        list: () => core.listNamespacedConfigMap({ namespace: "t" }),
        onChange: (cm) => seen.add(cm.metadata!.name!),
        resyncMs: 60_000,
        restartDelayMs: 10,
      },
      pino({ level: "silent" }),
    );
    await informer.start();
    // Two failed lists, one good list, a watch ending in 410, a re-list, a watch that stays open.
    await waitFor(async () => fake.calls.watches >= 2, {
      what: "a second watch",
      timeoutMs: 10_000,
      intervalMs: 20,
    }).catch((e: unknown) => {
      throw new Error(`${String(e)} ${JSON.stringify(fake.calls)} ${[...seen].join()}`);
    });
    expect(fake.calls.lists).toBe(4);
    expect([...seen].sort()).toEqual(["cm-3", "cm-4"]);
    // The cache holds what the latest list said (cm-3 was deleted from it by the re-list).
    expect(informer.list().map((c) => c.metadata!.name)).toEqual(["cm-4"]);
  });

  it("keeps objects as its transform makes them, from the list and from watch events, before any handler sees them", async () => {
    const heavy = (name: string, rv: string, value: string) => ({
      metadata: {
        name,
        namespace: "t",
        resourceVersion: rv,
        managedFields: [{ manager: "kubectl", fieldsV1: { "f:data": {} } }],
      },
      data: { wanted: value, bulky: "x".repeat(1000) },
    });
    const fake = steadyApiServer(
      [heavy("a", "1", "one")],
      [
        { type: "MODIFIED", object: heavy("a", "2", "two") },
        { type: "ADDED", object: heavy("b", "3", "three") },
      ],
    );
    server = fake.server;
    closeWatches = fake.closeWatches;
    await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", r));
    const kc = kubeConfigFor((fake.server.address() as { port: number }).port);
    const core = kc.makeApiClient(CoreV1Api);
    const seen: V1ConfigMap[] = [];
    informer = new ResilientInformer<V1ConfigMap>(
      kc,
      {
        path: "/api/v1/namespaces/t/configmaps",
        list: () => core.listNamespacedConfigMap({ namespace: "t" }),
        transform: (cm) => ({
          metadata: {
            name: cm.metadata?.name,
            namespace: cm.metadata?.namespace,
            resourceVersion: cm.metadata?.resourceVersion,
          },
          data: { wanted: cm.data!.wanted! },
        }),
        onChange: (cm) => seen.push(cm),
        resyncMs: 60_000,
      },
      pino({ level: "silent" }),
    );
    await informer.start();
    await waitFor(
      async () => informer!.list().length === 2 && informer!.get("a", "t")?.metadata?.resourceVersion === "2",
      { what: "both watch events", timeoutMs: 10_000, intervalMs: 20 },
    );
    const cached = [...informer.list()].sort((x, y) => x.metadata!.name!.localeCompare(y.metadata!.name!));
    expect(cached).toEqual([
      { metadata: { name: "a", namespace: "t", resourceVersion: "2" }, data: { wanted: "two" } },
      { metadata: { name: "b", namespace: "t", resourceVersion: "3" }, data: { wanted: "three" } },
    ]);
    expect(seen.map((cm) => cm.data)).toEqual([{ wanted: "one" }, { wanted: "two" }, { wanted: "three" }]);
    expect(seen.every((cm) => cm.metadata?.managedFields === undefined)).toBe(true);
  });
});

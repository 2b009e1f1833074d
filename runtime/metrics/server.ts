import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Route } from "./web/api.js";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves a registry for Prometheus at `/metrics`, and `/healthz` for probes. Started by
 * `sabot run` and by workers with SABOT_METRICS_PORT. `routes` (the web UI and its API, docs/ui.md)
 * share the port: one Service port and one port-forward reach both.
 */
export function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
  routes: Route[] = [],
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (routes.some((route) => route(req, res))) return;
    if (req.url === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    } else if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.unref();
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/**
 * Preloaded into the operator process by the scale benchmark (`node --import <this>`): counts
 * every HTTP request the process sends (client-node talks through undici, which publishes each
 * request on a diagnostics channel) by method and resource, and writes the counts as JSON to
 * $SABOT_BENCH_REQUESTS_FILE every 250 ms and at exit, with the connections it opened under the key
 * CONNECTIONS. Changes nothing in the operator.
 */
import { subscribe } from "node:diagnostics_channel";
import { renameSync, writeFileSync } from "node:fs";

const file = process.env.SABOT_BENCH_REQUESTS_FILE;
const counts: Record<string, number> = {};
/** Not a request: the TLS connections undici opened to the API server. */
export const CONNECTIONS = "(connections opened)";

/** `PATCH apps/statefulsets`, `PUT sabot.dev/streamjobs/status`, `WATCH apps/deployments`, ... */
function key(method: string, path: string): string {
  const [p, query = ""] = path.split("?");
  const parts = p.split("/").filter(Boolean);
  // /api/v1/... (core) or /apis/<group>/<version>/...
  const rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  const group = parts[0] === "api" ? "" : `${parts[1]}/`;
  const body = rest[0] === "namespaces" && rest.length > 2 ? rest.slice(2) : rest;
  const resource = body.length === 0 ? "(discovery)" : `${group}${body[0]}${body.length > 2 ? `/${body[2]}` : ""}`;
  const verb = /(^|&)watch=(true|1)/.test(query) ? "WATCH" : method;
  return `${verb} ${resource}`;
}

/** Written aside and renamed, so the benchmark never reads a half-written file. */
function flush(): void {
  if (!file) return;
  writeFileSync(`${file}.tmp`, JSON.stringify(counts));
  renameSync(`${file}.tmp`, file);
}

if (file) {
  subscribe("undici:request:create", (message) => {
    const { request } = message as { request: { method: string; path: string } };
    const k = key(request.method, request.path);
    counts[k] = (counts[k] ?? 0) + 1;
  });
  subscribe("undici:client:connected", () => {
    counts[CONNECTIONS] = (counts[CONNECTIONS] ?? 0) + 1;
  });
  setInterval(flush, 250).unref();
  process.on("exit", flush);
}

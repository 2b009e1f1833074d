import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../lib/cache.js";
import { freePort } from "../lib/ports.js";
import { type ServerProcess, startServer } from "../lib/process.js";
import { version } from "../lib/versions.js";
import type { TestEnv } from "../types.js";
import { NODE_IP } from "./node-network.js";

/**
 * Scrapes and rule evaluation every second so a test sees a metric it just set within a couple
 * of seconds. Targets come from a file_sd file that tests rewrite (test/helpers/prometheus.ts);
 * Prometheus watches it with inotify and re-reads it every second as a fallback, so adding a
 * target needs no reload.
 */
function config(targetsFile: string): string {
  return `# Generated per test run by test/env/services/prometheus.ts.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sabot
    file_sd_configs:
      - files: [${JSON.stringify(targetsFile)}]
        refresh_interval: 1s
`;
}

/** A Prometheus server from the Debian package that test/env/build/prometheus.sh unpacked. */
export async function startPrometheus(ctx: {
  runDir: string;
  logDir: string;
}): Promise<{ prometheus: TestEnv["prometheus"]; processes: ServerProcess[] }> {
  const promVersion = version("PROMETHEUS_VERSION");
  const root = join(cacheRoot(), `prometheus-${promVersion}`);
  const binary = join(root, "usr", "bin", "prometheus");
  if (!existsSync(binary)) {
    throw new Error(`Prometheus ${promVersion} not unpacked at ${binary}: run \`npm run env:build\``);
  }

  const dir = join(ctx.runDir, "prometheus");
  mkdirSync(dir, { recursive: true });
  const targetsFile = join(ctx.runDir, "prometheus-targets.json");
  writeFileSync(targetsFile, "[]\n");
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, config(targetsFile));
  const port = await freePort();
  // On the node IP so that the operator, when it runs as a pod of the real node, can query it.
  const url = `http://${NODE_IP}:${port}`;

  const proc = await startServer({
    name: "prometheus",
    cmd: binary,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=${NODE_IP}:${port}`,
      // Lets a test force a config reload (POST /-/reload) instead of restarting the server.
      "--web.enable-lifecycle",
      // The Debian binary looks for its web UI under /usr/share; point it at the unpacked copy so
      // the UI works for someone debugging a run by hand.
      `--web.local-assets=${join(root, "usr", "share", "prometheus", "web")}`,
    ],
    cwd: dir,
    logDir: ctx.logDir,
    ready: async () => (await fetch(`${url}/-/ready`)).ok,
    timeoutMs: 30_000,
  });
  return { prometheus: { url, targetsFile }, processes: [proc] };
}

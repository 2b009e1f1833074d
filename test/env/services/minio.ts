import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../lib/cache.js";
import { freePort } from "../lib/ports.js";
import { type ServerProcess, startServer } from "../lib/process.js";
import { version } from "../lib/versions.js";
import type { TestEnv } from "../types.js";
import { NODE_IP } from "./node-network.js";

/**
 * Fixed, obviously-fake credentials: the server listens on the node IP only (a bridge of this
 * machine that pods of the real node reach) and lives for one test run, and fixed values make a failing request easy to reproduce by hand with the same keys.
 */
const credentials = { accessKeyId: "sabot-test", secretAccessKey: "sabot-test-secret" };

/** MinIO accepts any region name; the AWS SDK needs one to sign requests. */
const region = "us-east-1";

/** A MinIO server (single drive) from the binary that test/env/build/minio.sh cached. */
export async function startMinio(ctx: {
  runDir: string;
  logDir: string;
}): Promise<{ s3: TestEnv["s3"]; processes: ServerProcess[] }> {
  const minioVersion = version("MINIO_VERSION");
  const binary = join(cacheRoot(), `minio-${minioVersion}`, "minio");
  if (!existsSync(binary)) throw new Error(`MinIO ${minioVersion} not built at ${binary}: run \`npm run env:build\``);

  const dataDir = join(ctx.runDir, "minio");
  mkdirSync(dataDir, { recursive: true });
  const [port, consolePort] = [await freePort(), await freePort()];
  const endpoint = `http://${NODE_IP}:${port}`;

  const proc = await startServer({
    name: "minio",
    cmd: binary,
    args: [
      "server",
      dataDir,
      ["--address", `${NODE_IP}:${port}`],
      ["--console-address", `127.0.0.1:${consolePort}`],
      // Otherwise MinIO creates ~/.minio/certs, outside the run.
      ["--certs-dir", join(ctx.runDir, "minio-certs")],
    ].flat(),
    env: {
      MINIO_ROOT_USER: credentials.accessKeyId,
      MINIO_ROOT_PASSWORD: credentials.secretAccessKey,
      MINIO_REGION: region,
      // No phoning home from a test run: the machine may have no internet, and a check that
      // times out only adds noise to the log.
      MINIO_UPDATE: "off",
      MINIO_CALLHOME_ENABLE: "off",
    },
    cwd: ctx.runDir,
    logDir: ctx.logDir,
    // "live" answers as soon as the HTTP server is up; "ready" only once the object layer on the
    // drive is initialised, and only then do S3 calls succeed.
    ready: async () =>
      (await fetch(`${endpoint}/minio/health/live`)).ok && (await fetch(`${endpoint}/minio/health/ready`)).ok,
    timeoutMs: 30_000,
  });
  return { s3: { endpoint, region, ...credentials }, processes: [proc] };
}

import { inject } from "vitest";
import type { TestEnv } from "../env/types.js";

/** The real services started by test/env/global-setup.ts (integration tests only). */
export function testEnv(): TestEnv {
  const env = inject("testEnv");
  if (!env) throw new Error("no test environment: integration tests must be named *.int.test.ts");
  return env;
}

/**
 * Points the standard AWS variables at the test environment's S3, reached at `endpoint` (its own,
 * or a proxy in front of it), as a pod's variables would; `extra` adds more. Returns what puts the
 * previous values back.
 */
export function setS3Env(endpoint: string, extra: Record<string, string> = {}): () => void {
  const s3 = testEnv().s3;
  const vars: Record<string, string> = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    ...extra,
  };
  const saved = Object.keys(vars).map((v) => [v, process.env[v]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [v, value] of saved) {
      if (value === undefined) delete process.env[v];
      else process.env[v] = value;
    }
  };
}

import { inject } from "vitest";
import type { TestEnv } from "../env/types.js";

/** The real services started by test/env/global-setup.ts (integration tests only). */
export function testEnv(): TestEnv {
  const env = inject("testEnv");
  if (!env) throw new Error("no test environment: integration tests must be named *.int.test.ts");
  return env;
}

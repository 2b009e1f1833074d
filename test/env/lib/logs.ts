import type { TestProject } from "vitest/node";
import type { TestEnv } from "../types.js";
import { tailLog } from "./process.js";

/**
 * When any test failed, print the tail of every server's log so CI output explains why.
 * Returns whether the run failed (its logs are then kept on disk).
 */
export function printLogsOfFailedRun(project: TestProject, env: TestEnv): boolean {
  const failed = project.vitest.state.getFiles().some((f) => f.result?.state === "fail");
  if (!failed) return false;
  for (const p of env.processes) {
    console.error(`\n===== ${p.name} (${p.logFile}) =====\n${tailLog(p.logFile, 60)}`);
  }
  return true;
}

import type { TestProject } from "vitest/node";
import type { TestEnv } from "../types.js";
import { tailLog } from "./process.js";

type RunnerFile = ReturnType<TestProject["vitest"]["state"]["getFiles"]>[number];
type RunnerTask = RunnerFile["tasks"][number];

/**
 * When any test failed, print the tail of every server's log so CI output explains why, then
 * the failed tests again: the teardown prints after vitest's summary, and CI often shows only
 * the last lines of a run, which would otherwise be server logs that do not say what failed.
 * Returns whether the run failed (its logs are then kept on disk).
 */
export function printLogsOfFailedRun(project: TestProject, env: TestEnv): boolean {
  const files = project.vitest.state.getFiles();
  if (!files.some((f) => f.result?.state === "fail")) return false;
  for (const p of env.processes) {
    console.error(`\n===== ${p.name} (${p.logFile}) =====\n${tailLog(p.logFile, 30)}`);
  }
  console.error("\n===== failed (details above, server logs kept on disk) =====");
  for (const file of files) {
    for (const line of failures(file, file.name)) console.error(line);
  }
  return true;
}

function failures(task: RunnerFile | RunnerTask, path: string): string[] {
  const own =
    task.result?.state === "fail" && (task.type === "test" || task.result.errors?.length)
      ? [`✗ ${path}\n    ${(task.result.errors?.[0]?.message ?? "failed").split("\n")[0]!.slice(0, 400)}`]
      : [];
  const children = "tasks" in task ? task.tasks.flatMap((t) => failures(t, `${path} > ${t.name}`)) : [];
  return [...own, ...children];
}

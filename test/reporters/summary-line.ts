import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints the closing line CI reads ("N passed, N failed, N skipped") after vitest's own summary,
 * counting test cases across both projects, and names the tests that passed only when retried
 * (integration tests get one retry on CI), so a flaky test is visible rather than hidden.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const flaky: string[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (t.diagnostic()?.flaky) {
          // A retried test that passed keeps the errors of its failed attempts.
          const first = (t.result().errors?.[0]?.message ?? "").split("\n")[0].slice(0, 300);
          flaky.push(
            `${m.moduleId.replace(`${process.cwd()}/`, "")} > ${t.fullName}${first ? `\n    first attempt: ${first}` : ""}`,
          );
        }
        if (state === "passed") counts.passed++;
        else if (state === "failed") counts.failed++;
        else counts.skipped++;
      }
      if (m.state() === "failed" && [...m.children.allTests()].length === 0) counts.failed++;
    }
    for (const name of flaky) console.log(`flaky (passed on retry): ${name}`);
    console.log(
      `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${flaky.length ? `, ${flaky.length} flaky` : ""}`,
    );
  }
}

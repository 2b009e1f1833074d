import { execFileSync } from "node:child_process";
import { existsSync, globSync, readFileSync } from "node:fs";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { planFile } from "../../runtime/planner/validate.js";

/**
 * Checks of the container image and the kind walkthrough that need no Docker engine (the image is
 * built and run by test/image/image.int.test.ts): every path the Dockerfile copies exists, the
 * entrypoint's subcommands are the ones the chart and the operator's pods ask for, and the
 * walkthrough's script and manifest are valid.
 */
const dockerfile = readFileSync("Dockerfile", "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

/** What the stages' RUN steps produce (under their WORKDIR /src), not copied from the repository. */
const BUILT_IN_IMAGE = ["dist/", "node_modules/", "native/build/"];
/** The Dockerfile's own stages; `COPY --from=<image>` of anything else copies from a published image. */
const stages = new Set(instructions.flatMap((l) => /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(l)?.[1] ?? []));

describe("Dockerfile", () => {
  const copies = instructions.filter((l) => l.startsWith("COPY ")).map((l) => l.split(/\s+/).slice(1));

  it("copies only paths that exist in the repository (or that its build stage produces)", () => {
    const missing: string[] = [];
    for (const args of copies) {
      const from = args.find((a) => a.startsWith("--from="))?.slice("--from=".length);
      if (from !== undefined && !stages.has(from)) continue;
      const sources = args.filter((a) => !a.startsWith("--")).slice(0, -1);
      for (const src of sources) {
        // Files of a stage live under its WORKDIR (/src), copied there from the repository; other
        // absolute paths (node and its headers) come with the stage's base image.
        if (from && !src.startsWith("/src/")) continue;
        const path = from ? src.replace(/^\/src\//, "") : src.replace(/^\.\//, "");
        if (from && BUILT_IN_IMAGE.some((p) => `${path}/`.startsWith(p))) continue;
        if (globSync(path).length === 0) missing.push(`COPY ${args.join(" ")}: ${path}`);
      }
    }
    expect(copies.length).toBeGreaterThan(3);
    expect(missing).toEqual([]);
  });

  it("compiles into dist/ what the entrypoint runs, the operator included", () => {
    const build = JSON.parse(readFileSync("tsconfig.build.json", "utf8")) as { include: string[] };
    const base = JSON.parse(readFileSync("tsconfig.json", "utf8")) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(base.compilerOptions).toMatchObject({ outDir: "dist", rootDir: "." });
    expect(build.include).toEqual(expect.arrayContaining(["runtime", "operator", "bin"]));
    const entrypoint = instructions.find((l) => l.startsWith("ENTRYPOINT"))!;
    expect(JSON.parse(entrypoint.slice("ENTRYPOINT".length))).toEqual(["node", "dist/bin/cli/main.js"]);
    expect(existsSync("bin/cli/main.ts")).toBe(true);
    // The CLI loads the operator from the path tsc gives operator/main.ts next to it in dist/.
    expect(readFileSync("bin/cli/main.ts", "utf8")).toContain('import("../../operator/main.js")');
  });

  it("runs as a non-root user, and names no Dockerfile frontend (BuildKit would pull it from a registry)", () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax\s*=/m);
    const user = instructions.filter((l) => l.startsWith("USER ")).at(-1);
    expect(user).toMatch(/^USER [1-9][0-9]*(:[0-9]+)?$/);
  });

  it("has a CLI with the subcommands the chart and the operator's pods run", () => {
    const help = execFileSync(process.execPath, ["bin/sabot.js", "--help"], {
      env: { ...process.env, SABOT_LOG_LEVEL: "error" },
    }).toString();
    for (const cmd of ["operator", "coordinator", "worker", "run"])
      expect(help).toMatch(new RegExp(`^\\s+${cmd}\\b`, "m"));
  });
});

describe("examples/kind", () => {
  it("walkthrough.sh is valid bash", () => {
    execFileSync("bash", ["-n", "examples/kind/walkthrough.sh"]);
  });

  it("applies a StreamJob the engine accepts and that needs neither Kafka nor object storage", () => {
    const doc = yaml.load(readFileSync("examples/kind/streamjob.yaml", "utf8")) as {
      kind: string;
      spec: { sources: Record<string, object>; sinks: Record<string, object> };
    };
    expect(doc.kind).toBe("StreamJob");
    planFile("examples/kind/streamjob.yaml");
    for (const s of Object.values(doc.spec.sources)) expect(Object.keys(s)).toContain("generator");
    for (const s of Object.values(doc.spec.sinks)) expect(Object.keys(s)).toEqual(["console"]);
  });
});

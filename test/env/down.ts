import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stopEnvironment } from "./environment.js";
import { cacheDir } from "./lib/cache.js";
import type { TestEnv } from "./types.js";

/** `npm run env:down [env.json]`: stop one environment, or every one that `env:up` left running. */
const given = process.argv[2];
const runs = cacheDir("runs");
const files = given
  ? [given]
  : readdirSync(runs)
      .map((d) => join(runs, d, "env.json"))
      .filter((f) => existsSync(f));
for (const file of files) {
  const env = JSON.parse(readFileSync(file, "utf8")) as TestEnv;
  await stopEnvironment(env);
  console.log(`stopped ${env.runDir}`);
}

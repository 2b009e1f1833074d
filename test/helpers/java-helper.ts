import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../env/lib/cache.js";
import { version } from "../env/lib/versions.js";

/**
 * Runs one of the Java programs in test/helpers/java/ on the broker's own jars (Kafka's Java
 * client: the reference the tests judge Sabot's Kafka code against) and Avro's (test/env/build/avro.sh),
 * and returns its stdout. Each is compiled once into the test environment's cache, again when its
 * source is newer.
 */
export function runJavaHelper(name: string, args: string[], timeoutMs = 120_000): string {
  const avro = join(cacheRoot(), `avro-${version("AVRO_VERSION")}`);
  if (!existsSync(avro)) throw new Error(`Avro's jar is missing in ${avro}: run \`npm run env:build\``);
  const libs = `${join(cacheRoot(), `kafka-${version("KAFKA_VERSION")}`, "libs", "*")}:${join(avro, "*")}`;
  const out = join(cacheRoot(), "java-helpers");
  const source = fileURLToPath(new URL(`./java/${name}.java`, import.meta.url));
  const compiled = join(out, `${name}.class`);
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(out, { recursive: true });
    execFileSync("javac", ["-cp", libs, "-d", out, source], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return execFileSync("java", ["-cp", `${libs}:${out}`, name, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 256 * 2 ** 20,
    timeout: timeoutMs,
  });
}

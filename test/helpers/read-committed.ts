import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "../env/lib/cache.js";
import { version } from "../env/lib/versions.js";

/**
 * Every record value of `topic` as Kafka's Java consumer sees it with isolation.level
 * read_committed (see java/ReadCommitted.java for why not kafkajs). Compiled once into the test
 * environment's cache with the broker's own jars.
 */
export function readCommittedValues(brokers: string[], topic: string): string[] {
  const libs = join(cacheRoot(), `kafka-${version("KAFKA_VERSION")}`, "libs", "*");
  const out = join(cacheRoot(), "java-reader");
  if (!existsSync(join(out, "ReadCommitted.class"))) {
    mkdirSync(out, { recursive: true });
    const source = fileURLToPath(new URL("./java/ReadCommitted.java", import.meta.url));
    execFileSync("javac", ["-cp", libs, "-d", out, source], { stdio: ["ignore", "ignore", "inherit"] });
  }
  const text = execFileSync("java", ["-cp", `${libs}:${out}`, "ReadCommitted", brokers[0], topic], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 256 * 2 ** 20,
    timeout: 120_000,
  });
  return text.split("\n").filter((l) => l.length > 0);
}

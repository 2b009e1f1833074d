import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The single pin list that the bash build scripts source too, so both sides agree on versions. */
const versionsFile = fileURLToPath(new URL("../versions.env", import.meta.url));

/**
 * Pinned versions from test/env/versions.env. The format is deliberately the subset that bash can
 * `source` unchanged (comments, blank lines, KEY=VALUE without quotes), so it is parsed here by
 * hand rather than with a dotenv library whose quoting rules bash would not share.
 */
export function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(versionsFile, "utf8").split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line);
    if (!m) throw new Error(`${versionsFile}:${i + 1}: expected KEY=VALUE or a # comment, got: ${raw}`);
    out[m[1]] = m[2];
  });
  return out;
}

/** One pinned version; a missing key is a setup error worth a precise message. */
export function version(key: string): string {
  const v = versions()[key];
  if (v === undefined) throw new Error(`${key} is not set in ${versionsFile}`);
  return v;
}

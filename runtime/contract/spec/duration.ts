import { MANIFEST_LIMITS } from "./limits.js";

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const BYTES = /^(\d+)(B|KiB|MiB|GiB)$/;
const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

/**
 * What is wrong with a duration, or null. Longer than MANIFEST_LIMITS.maxDurationMs is refused:
 * Node.js fires a timer of a longer delay after 1 ms, so `interval: 30d` would checkpoint non-stop.
 */
export function durationProblem(s: unknown): string | null {
  const m = typeof s === "string" ? DURATION.exec(s) : null;
  if (!m) return "expected a duration like 30s";
  if (Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] > MANIFEST_LIMITS.maxDurationMs)
    return `${s} is too long: a duration is at most 24d (${MANIFEST_LIMITS.maxDurationMs} ms)`;
  return null;
}

export function isDuration(s: string): boolean {
  return durationProblem(s) === null;
}

/** "30s" → 30000. Throws on a malformed string; specs are validated before this runs. */
export function parseDuration(s: string): number {
  const m = DURATION.exec(s);
  if (!m) throw new Error(`expected a duration like 30s, got "${s}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

const SIGNED = /^-?\d+(ms|s|m|h|d)$/;

/** What is wrong with a signed duration (an interval join's bound: -10s, 0s, 1ms), or null. */
export function signedDurationProblem(s: unknown): string | null {
  if (typeof s !== "string" || !SIGNED.test(s)) return "expected a duration like 10s or -10s";
  return durationProblem(s.replace(/^-/, ""));
}

export function isSignedDuration(s: string): boolean {
  return signedDurationProblem(s) === null;
}

/** "-10s" → -10000. Throws on a malformed string; specs are validated before this runs. */
export function parseSignedDuration(s: string): number {
  return s.startsWith("-") ? -parseDuration(s.slice(1)) : parseDuration(s);
}

/** What is wrong with a size, or null. */
export function byteSizeProblem(s: unknown): string | null {
  const m = typeof s === "string" ? BYTES.exec(s) : null;
  if (!m) return "expected a size like 64MiB";
  if (Number(m[1]) * UNIT_BYTES[m[2] as keyof typeof UNIT_BYTES] > MANIFEST_LIMITS.maxByteSize)
    return `${s} is too large: a size is at most 1024GiB`;
  return null;
}

export function isByteSize(s: string): boolean {
  return byteSizeProblem(s) === null;
}

export function parseByteSize(s: string): number {
  const m = BYTES.exec(s);
  if (!m) throw new Error(`expected a size like 64MiB, got "${s}"`);
  return Number(m[1]) * UNIT_BYTES[m[2] as keyof typeof UNIT_BYTES];
}

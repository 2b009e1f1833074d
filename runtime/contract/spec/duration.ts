const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const BYTES = /^(\d+)(B|KiB|MiB|GiB)$/;
const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } as const;

export function isDuration(s: string): boolean {
  return DURATION.test(s);
}

/** "30s" → 30000. Throws on a malformed string; specs are validated before this runs. */
export function parseDuration(s: string): number {
  const m = DURATION.exec(s);
  if (!m) throw new Error(`expected a duration like 30s, got "${s}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export function isByteSize(s: string): boolean {
  return BYTES.test(s);
}

export function parseByteSize(s: string): number {
  const m = BYTES.exec(s);
  if (!m) throw new Error(`expected a size like 64MiB, got "${s}"`);
  return Number(m[1]) * UNIT_BYTES[m[2] as keyof typeof UNIT_BYTES];
}

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The Nexmark queries of examples/nexmark, q0 to q22. */
export const NEXMARK_QUERIES = Array.from({ length: 23 }, (_, i) => `q${i}`);

const read = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../examples/nexmark/${file}.sql`, import.meta.url)), "utf8");

/**
 * A query's job as examples/nexmark writes it (tables.sql, then qN.sql), with the tables' counts
 * (20,000 persons, 60,000 auctions, 1,000,000 bids: the suite's proportions) times `scale`,
 * generator batches of 16K rows, and a filesystem sink writing under `dir`.
 */
export function nexmarkSql(query: string, scale: number, dir: string): string {
  const tables = read("tables").replace(
    /'count' = '(\d+)'/g,
    (_, n: string) => `'batch-size' = '16384', 'count' = '${Math.max(1, Math.round(Number(n) * scale))}'`,
  );
  const text = read(query).replace(/'path' = '\/tmp\/[^']*'/g, `'path' = '${dir}'`);
  return `${tables}\n${text}`;
}

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The Nexmark queries of examples/nexmark, q0 to q22. */
export const NEXMARK_QUERIES = Array.from({ length: 23 }, (_, i) => `q${i}`);

const read = (file: string) =>
  readFileSync(fileURLToPath(new URL(`../../examples/nexmark/${file}.sql`, import.meta.url)), "utf8");

/**
 * A query's job as examples/nexmark writes it (tables.sql, then qN.sql), sized to `bids` bids:
 * the tables' counts are scaled from their 1,000,000 bids (persons and auctions with them, the
 * suite's proportions), generator batches are 16K rows, and a filesystem sink writes under `dir`.
 */
export function nexmarkSql(query: string, bids: number, dir: string): string {
  const scale = bids / 1_000_000;
  const tables = read("tables").replace(
    /'count' = '(\d+)'/g,
    (_, n: string) => `'batch-size' = '16384', 'count' = '${Math.max(1, Math.round(Number(n) * scale))}'`,
  );
  const text = read(query).replace(/'path' = '\/tmp\/[^']*'/g, `'path' = '${dir}'`);
  return `${tables}\n${text}`;
}

import { nexmarkSqlBench } from "./nexmark-sql.bench.js";

/** The per-query Nexmark SQL benchmark alone: `npx tsx test/bench/nexmark-sql-main.ts [events per query]` (default 1,000,000). */
nexmarkSqlBench(Number(process.argv[2] ?? 1_000_000));

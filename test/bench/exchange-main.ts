import { exchangeBench } from "./exchange.bench.js";

/** `npx tsx test/bench/exchange-main.ts`: the exchange benchmark alone (also part of `npm run bench`). */
exchangeBench();

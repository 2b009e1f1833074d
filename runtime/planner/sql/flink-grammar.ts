import { createRequire, registerHooks } from "node:module";
import type { FlinkSQL } from "dt-sql-parser";

/**
 * dt-sql-parser's Flink SQL grammar (ANTLR), behind a narrow door, loaded on first use: a YAML job
 * never pays for it. Only the Flink parser is loaded (0.3 s, against 2.5 s for the package's
 * index, which loads every dialect). Its ES files import each other without file extensions, which
 * bundlers accept and Node does not: a resolve hook adds `.js` (or `/index.js`) for imports from
 * inside that package only, so the compiled image runs it with plain Node. Node loads these ES
 * files through require() synchronously, which keeps planning synchronous.
 */
let grammar: { flink: FlinkSQL; ruleNames: readonly string[] } | undefined;

function load(): { flink: FlinkSQL; ruleNames: readonly string[] } {
  if (grammar) return grammar;
  registerHooks({
    resolve(specifier, context, next) {
      const inside = context.parentURL?.includes("/node_modules/dt-sql-parser/") ?? false;
      if (!inside || !specifier.startsWith(".") || /\.[cm]?js$/.test(specifier)) return next(specifier, context);
      try {
        return next(`${specifier}.js`, context);
      } catch {
        return next(`${specifier}/index.js`, context);
      }
    },
  });
  const { FlinkSQL: FlinkSqlClass } = createRequire(import.meta.url)("dt-sql-parser/dist/parser/flink/index.js") as {
    FlinkSQL: new () => FlinkSQL;
  };
  const flink = new FlinkSqlClass();
  grammar = { flink, ruleNames: flink.createParser("").ruleNames };
  return grammar;
}

export function flinkSql(): FlinkSQL {
  return load().flink;
}

/** Grammar rule names by rule index. */
export function ruleNames(): readonly string[] {
  return load().ruleNames;
}

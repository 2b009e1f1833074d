import { registerHooks } from "node:module";
import type { FlinkSQL } from "dt-sql-parser";

/**
 * dt-sql-parser's Flink SQL grammar (ANTLR), behind a narrow door. Its ES build imports its own
 * files without extensions, which bundlers accept and Node does not: this resolve hook adds the
 * `.js` (or `/index.js`) for imports from inside that package only, so the compiled image runs it
 * with plain Node. The package is loaded after the hook, hence the dynamic import.
 */
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
const { FlinkSQL: FlinkSqlClass } = await import("dt-sql-parser");
export const flink: FlinkSQL = new FlinkSqlClass();

/** Grammar rule names by rule index. */
export const RULE_NAMES: readonly string[] = flink.createParser("").ruleNames;

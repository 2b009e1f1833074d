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
interface Grammar {
  flink: FlinkSQL;
  ruleNames: readonly string[];
  /** The package's own error recovery, which `FlinkSQL.parse` installs (it reports every error). */
  errorStrategy: new () => unknown;
}

let grammar: Grammar | undefined;

function load(): Grammar {
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
  const require = createRequire(import.meta.url);
  const { FlinkSQL: FlinkSqlClass } = require("dt-sql-parser/dist/parser/flink/index.js") as {
    FlinkSQL: new () => FlinkSQL;
  };
  const { ErrorStrategy } = require("dt-sql-parser/dist/parser/common/errorStrategy.js") as {
    ErrorStrategy: new () => unknown;
  };
  const flink = new FlinkSqlClass();
  grammar = { flink, ruleNames: flink.createParser("").ruleNames, errorStrategy: ErrorStrategy };
  return grammar;
}

/**
 * What a token rewrite reads and changes of a lexed token: its type and channel, and its index in
 * the stream when tokens are added (see filter-clause.ts); a source token's text and position stay.
 */
export interface LexedToken {
  type: number;
  channel: number;
  tokenIndex: number;
  readonly line: number;
  /** 0-based. */
  readonly column: number;
  text: string | null;
}

type ErrorListener = Parameters<FlinkSQL["parse"]>[1];

/**
 * `FlinkSQL.parse`, with a look at the lexed tokens before the parser reads them: `rewrite` may
 * retype a token or move it off the parser's channel (grammar gaps, see session-tvf.ts). Tokens
 * keep their text, line and column, so the tree and every error still point into the source.
 */
export function parseRewritten(text: string, onError: ErrorListener, rewrite: (tokens: LexedToken[]) => void): unknown {
  const g = load();
  const parser = g.flink.createParser(text, onError);
  const stream = parser.tokenStream as unknown as { getTokens(): LexedToken[] };
  rewrite(stream.getTokens());
  parser.buildParseTrees = true;
  // The parser's field is typed as antlr4ng's strategy, which this package does not import.
  (parser as unknown as { errorHandler: unknown }).errorHandler = new g.errorStrategy();
  return parser.program();
}

/** A token type of the Flink lexer, by a keyword's text (TUMBLE). */
export function tokenTypeOf(keyword: string): number {
  return load().flink.createLexer(keyword).nextToken().type;
}

export function flinkSql(): FlinkSQL {
  return load().flink;
}

/** Grammar rule names by rule index. */
export function ruleNames(): readonly string[] {
  return load().ruleNames;
}

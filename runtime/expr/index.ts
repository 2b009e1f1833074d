/**
 * The SQL expression engine: parse (node-sql-parser), type-check against a stream's schema, and
 * compile into vectorized kernels over Arrow buffers.
 *
 * Supported: column references (bare, "quoted", `quoted`); literals (integers → int64, decimals →
 * float64, 'strings', TRUE/FALSE, NULL, TIMESTAMP '...'); + - * / % and unary minus (integer
 * division truncates; x/0 and x%0 are NULL); = <> != < <= > >=; AND/OR/NOT (three-valued);
 * IS [NOT] NULL/TRUE/FALSE; [NOT] IN (list); [NOT] BETWEEN; [NOT] LIKE / ILIKE (% _ \);
 * CASE (searched and simple); COALESCE, NULLIF; LOWER, UPPER, LENGTH/CHAR_LENGTH, SUBSTRING/SUBSTR
 * (also FROM/FOR), CONCAT, ||, TRIM/LTRIM/RTRIM (also BOTH/LEADING/TRAILING 'chars' FROM);
 * ABS, ROUND, FLOOR, CEIL/CEILING, MOD; CAST(x AS BIGINT|INT|INTEGER|DOUBLE|FLOAT|VARCHAR|TEXT|
 * STRING|BOOLEAN|TIMESTAMP) and x::type.
 */
export { ExprError } from "./errors.js";
export { type CompiledExpr, type CompiledPredicate, compileExpression, compilePredicate } from "./expression.js";
export { parseSelectItem } from "./parse.js";

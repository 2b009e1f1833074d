/**
 * Bounds on what a StreamJob manifest and its SQL expressions may be, so hostile or broken input is
 * refused with a message instead of exhausting the stack, the heap or the CPU. One place for every
 * value; docs/manifest.md ("Limits") lists them, and the fuzz tests in
 * test/runtime/contract/spec/ and test/runtime/expr/ drive inputs past each one.
 */
export const MANIFEST_LIMITS = {
  /**
   * Characters of manifest text. Kubernetes stores an object in at most 1.5 MiB; a real
   * manifest is a few KiB.
   */
  maxChars: 1024 * 1024,
  /** Nesting of mappings and lists under `spec` (a deep pod template is about 12). */
  maxDepth: 64,
  /**
   * Values under `spec` counted as written out, YAML aliases expanded: an alias bomb
   * ("billion laughs") is a few lines that expand to billions of values.
   */
  maxValues: 100_000,
  /** Characters of one string value (SQL expressions have their own, lower bound). */
  maxStringChars: 64 * 1024,
  /** Characters of one mapping key (Kubernetes names are at most 253). */
  maxKeyChars: 253,
  /**
   * Integers must be exact in JavaScript and in Kubernetes' int64: ±(2^53 − 1). Numbers must be
   * finite (YAML's .inf and .nan are refused).
   */
  maxSafeInteger: Number.MAX_SAFE_INTEGER,
  /** Longest duration: 2^31 − 1 ms (24.8 days), the longest delay a Node.js timer keeps; 24d. */
  maxDurationMs: 2 ** 31 - 1,
  /** Largest size: 1024GiB. */
  maxByteSize: 1024 ** 4,
} as const;

export const EXPRESSION_LIMITS = {
  /** Characters of one SQL expression (a filter, select item or aggregate). */
  maxChars: 16 * 1024,
  /**
   * Nesting of one expression: parentheses and function calls in the text, and operators in the
   * parsed tree (a chain `a AND b AND c ...` nests one level per term).
   */
  maxDepth: 256,
} as const;

/** How to get under the expression limits, appended to their messages. */
export const SPLIT_EXPRESSION_HINT =
  "split it: several filter steps in a row AND together, a select step can compute parts that a later step combines, and a long OR of equalities is `x IN (...)`";

import type { SqlType } from "./types.js";
import { type Operand, plain, type Scalar, scalarAt, type Vec } from "./vec.js";

/**
 * A compiled expression node: its SQL type and a closure that evaluates it for a whole batch.
 * Constant subtrees are folded at compile time and carry their value instead.
 */
export interface Node {
  readonly type: SqlType;
  readonly constant: Scalar | null;
  /** True when eval returns dictionary-encoded strings (a dictionary column, or a lifted subtree). */
  readonly dict: boolean;
  eval(src: Source): Operand;
}

/** The columns of one batch (or of one dictionary, for lifted subtrees), read lazily and once. */
export interface Source {
  readonly length: number;
  column(index: number): Vec;
}

export function constantNode(type: SqlType, value: Scalar): Node {
  return { type, constant: value, dict: false, eval: () => value };
}

/**
 * A node computed from child nodes by a kernel. Kernels see plain utf8 (dictionary children
 * are decoded first; subtrees over a single dictionary column never get here, they are lifted).
 * When every child is constant the kernel runs once, on one row, at compile time.
 */
export function kernelNode(type: SqlType, children: Node[], kernel: (args: Operand[], n: number) => Operand): Node {
  if (children.every((c) => c.constant !== null)) {
    const out = kernel(
      children.map((c) => c.constant!),
      1,
    );
    return constantNode(type, out.kind === "scalar" ? out : scalarAt(out, 0));
  }
  return {
    type,
    constant: null,
    dict: false,
    eval(src: Source): Operand {
      const args = children.map((c) => {
        const v = c.eval(src);
        return v.kind === "dict" ? plain(v) : v;
      });
      return kernel(args, src.length);
    },
  };
}

/** A node used by several parents (BETWEEN's operand, a simple CASE's operand): evaluated once per source. */
export function shared(node: Node): Node {
  if (node.constant) return node;
  let lastSource: Source | null = null;
  let last: Operand | null = null;
  return {
    ...node,
    eval(src: Source): Operand {
      if (src !== lastSource) {
        last = node.eval(src);
        lastSource = src;
      }
      return last!;
    },
  };
}

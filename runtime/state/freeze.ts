/**
 * A copy of `obj` (same class, same fields) in which the fields named in `copies` are replaced by
 * the given copies: how state objects whose mutable parts are a few typed arrays hand a snapshot
 * a frozen view of themselves (copy-on-write by copying the flat arrays, a memcpy), while the
 * immutable fields stay shared.
 */
export function copyWith<T extends object>(obj: T, copies: Record<string, unknown>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(obj) as object) as T, obj, copies);
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** A member that a merge patch would delete (null) or JSON would drop (undefined): as if absent. */
const absent = (v: unknown) => v === undefined || v === null;

/**
 * Whether two JSON values mean the same object in the API server: key order is ignored (the API
 * server answers custom objects with sorted keys, the operator composes them in its own order)
 * and a member that is null or undefined counts as missing (a merge patch deletes the one, JSON
 * drops the other). Arrays compare element by element, in order.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  let present = 0;
  for (const [k, v] of Object.entries(a)) {
    if (absent(v)) continue;
    present++;
    if (!sameJson(v, b[k])) return false;
  }
  // Every present member of `a` matched one of `b`: equal when `b` has no other.
  for (const v of Object.values(b)) if (!absent(v)) present--;
  return present === 0;
}

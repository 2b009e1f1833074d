import type { SpecIssue } from "./errors.js";
import { MANIFEST_LIMITS } from "./limits.js";

const L = MANIFEST_LIMITS;
/** A message lists this many bound violations at most: hostile input must not make a huge one. */
const MAX_ISSUES = 20;
const KEY_SHOWN = 40;

/** A key as a path shows it: long keys are cut, so a message never echoes a megabyte. */
export function shownKey(key: string): string {
  return key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function valueIssue(v: unknown, path: string): SpecIssue | null {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return { path, message: `expected a finite number, got ${v}` };
    if (Number.isInteger(v) && Math.abs(v) > L.maxSafeInteger)
      return { path, message: `${v} is out of range: integers are exact only within ±${L.maxSafeInteger} (2^53 − 1)` };
  }
  if (typeof v === "string" && v.length > L.maxStringChars)
    return { path, message: `a string of ${v.length} characters; the limit is ${L.maxStringChars}` };
  return null;
}

interface Pending {
  value: unknown;
  path: string;
  depth: number;
}

/**
 * Checks a parsed value against MANIFEST_LIMITS before anything recursive reads it: nesting depth,
 * the number of values with YAML aliases expanded (shared objects count each time they are
 * reached), string and key lengths, and numbers. Iterative, and stops once the value budget is
 * spent, so it is bounded however the input is built.
 */
export function checkBounds(value: unknown, root = "spec"): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const stack: Pending[] = [{ value, path: root, depth: 0 }];
  let seen = 0;
  const tooMany = [
    {
      path: root,
      message: `holds more than ${L.maxValues} values (a YAML alias counts each time it is used); write a smaller manifest`,
    },
  ];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value: v, path, depth } = stack.pop()!;
    seen++;
    const issue = valueIssue(v, path);
    if (issue) issues.push(issue);
    if (!isContainer(v)) continue;
    if (depth >= L.maxDepth) {
      issues.push({ path, message: `nested more than ${L.maxDepth} levels deep` });
      continue;
    }
    const keys = Array.isArray(v) ? null : Object.keys(v);
    // Counted before pushing, so one huge list or mapping is refused without being walked.
    if (seen + stack.length + (keys === null ? (v as unknown[]).length : keys.length) > L.maxValues) return tooMany;
    if (keys === null) {
      const list = v as unknown[];
      for (let i = list.length - 1; i >= 0; i--)
        stack.push({ value: list[i], path: `${path}[${i}]`, depth: depth + 1 });
      continue;
    }
    for (const key of keys.reverse()) {
      const at = `${path}.${shownKey(key)}`;
      if (key.length > L.maxKeyChars)
        issues.push({ path: at, message: `a key of ${key.length} characters; the limit is ${L.maxKeyChars}` });
      else stack.push({ value: (v as Record<string, unknown>)[key], path: at, depth: depth + 1 });
    }
  }
  return issues;
}

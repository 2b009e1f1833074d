import { describe, expect, it } from "vitest";
import { sameJson } from "../../../operator/kube/same-json.js";

describe("sameJson", () => {
  it("ignores key order and members that are undefined or null (a merge patch deletes them)", () => {
    expect(sameJson({ a: 1, b: { c: "x", d: [1, 2] } }, { b: { d: [1, 2], c: "x" }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1, gone: undefined, also: null }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, gone: undefined })).toBe(true);
  });

  it("tells apart a changed, added or removed member, array order and length, and types", () => {
    expect(sameJson({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: 0 })).toBe(false);
    expect(sameJson({ a: 1, b: false }, { a: 1 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([1], [1, 1])).toBe(false);
    expect(sameJson({ a: "1" }, { a: 1 })).toBe(false);
    expect(sameJson({ a: [] }, { a: {} })).toBe(false);
    expect(sameJson(undefined, {})).toBe(false);
  });
});

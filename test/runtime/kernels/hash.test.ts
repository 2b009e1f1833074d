import { describe, expect, it } from "vitest";
import { keyGroupOf } from "../../../runtime/kernels/hash.js";
import { seededRng } from "../../helpers/random.js";

describe("keyGroupOf", () => {
  it("is hash % maxParallelism for every 32-bit hash, including those above 2^31", () => {
    const rng = seededRng(5);
    const hashes = [
      0,
      1,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      ...Array.from({ length: 5000 }, () => rng.int(0, 2 ** 32 - 1)),
    ];
    for (const maxP of [1, 2, 7, 128, 1000, 32767, 32768])
      for (const h of hashes) expect(keyGroupOf(h, maxP)).toBe(h % maxP);
  });
});

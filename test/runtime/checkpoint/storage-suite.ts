import { describe, expect, it } from "vitest";
import type { CheckpointStorage } from "../../../runtime/checkpoint/index.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/** The object-store operations checkpoints rely on, against any storage. */
export function storageSuite(makeStorage: () => CheckpointStorage): void {
  describe("object operations", () => {
    it("puts, gets, lists by prefix at any depth with sizes, and deletes", async () => {
      const s = makeStorage();
      await s.put("job/chk-1/manifest.json", bytes("{}"));
      await s.put("job/chk-1/state/a%5B1%5D/0/kg-3.arrow", bytes("three"));
      await s.put("job/chk-12/manifest.json", bytes("twelve"));
      await s.put("other/chk-1/manifest.json", bytes("x"));

      expect(text(await s.get("job/chk-1/state/a%5B1%5D/0/kg-3.arrow"))).toBe("three");
      expect(await s.get("job/chk-2/manifest.json")).toBeNull();
      const sorted = (p: string) => s.list(p).then((l) => l.sort((a, b) => a.key.localeCompare(b.key)));
      expect(await sorted("job/chk-1/")).toEqual([
        { key: "job/chk-1/manifest.json", size: 2 },
        { key: "job/chk-1/state/a%5B1%5D/0/kg-3.arrow", size: 5 },
      ]);
      expect((await sorted("job/chk-")).map((o) => o.key)).toEqual([
        "job/chk-1/manifest.json",
        "job/chk-1/state/a%5B1%5D/0/kg-3.arrow",
        "job/chk-12/manifest.json",
      ]);
      expect(await s.list("nothing/")).toEqual([]);

      await s.put("job/chk-12/manifest.json", bytes("replaced"));
      expect(text(await s.get("job/chk-12/manifest.json"))).toBe("replaced");

      await s.delete(["job/chk-1/manifest.json", "job/chk-1/state/a%5B1%5D/0/kg-3.arrow", "job/chk-1/absent"]);
      expect(await s.list("job/chk-1/")).toEqual([]);
      expect((await s.list("other/")).length).toBe(1);
    });

    it("stores empty and binary objects byte for byte", async () => {
      const s = makeStorage();
      const bin = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 131) & 0xff);
      await s.put("j/chk-1/empty", new Uint8Array());
      await s.put("j/chk-1/bin", bin.subarray(1000, 65_000));
      expect((await s.get("j/chk-1/empty"))?.length).toBe(0);
      expect(await s.get("j/chk-1/bin")).toEqual(bin.subarray(1000, 65_000));
    });

    it("refuses keys that could leave the storage root", async () => {
      const s = makeStorage();
      for (const key of ["../x", "a//b", "/abs", "a/./b", ""])
        await expect(s.put(key, bytes("x"))).rejects.toThrow(/invalid checkpoint object key/);
    });
  });
}

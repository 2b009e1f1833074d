import { describe, expect, it } from "vitest";
import { createDecoder, createEncoder } from "../../../runtime/formats/index.js";
import { arrowSchema } from "../../../runtime/types/arrow-types.js";
import { RECORD_FIELDS, randomBatch, seededRng } from "../../helpers/random.js";

/**
 * Records an attacker or a broken producer could put on a topic: each decodes or is reported bad
 * (what the Kafka source sends to the dead-letter topic with its reason), never crashes the worker.
 */
const schema = arrowSchema(RECORD_FIELDS);

describe("hostile records", () => {
  it("json: invalid UTF-8 is malformed, not strings with U+FFFD in them", () => {
    const ok = Buffer.from('{"id":1,"name":"a"}');
    const bad = Buffer.concat([Buffer.from('{"id":2,"name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const { batches, bad: refused } = createDecoder("json", schema).decode([ok, bad]);
    expect(refused.map((b) => [b.index, b.reason, b.detail])).toEqual([[1, "malformed", "not valid UTF-8"]]);
    expect(batches[0]!.numRows).toBe(1);
  });

  it("arrow fuzz: 2000 corrupted arrow-framed records are decoded or reported, never crash or exhaust the heap", () => {
    const [good] = createEncoder("arrow", schema).encode(
      randomBatch(seededRng(1), RECORD_FIELDS, 100, { nullRate: 0.2 }),
    );
    const rng = seededRng(2);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(good!);
      for (let k = rng.int(1, 16); k > 0; k--) b[rng.range(0, b.length)] = rng.int(0, 255);
      if (rng.chance(0.3)) b.set([0xff, 0xff, 0xff, 0x7f], rng.range(0, Math.min(b.length - 4, 400)));
      const { bad } = createDecoder("arrow", schema).decode([b]);
      const r = bad[0]?.reason ?? "decoded";
      counts.set(r, (counts.get(r) ?? 0) + 1);
    }
    // Printed for docs/development.md ("Reliability figures").
    console.log(`arrow record fuzz: 2000 inputs, ${JSON.stringify(Object.fromEntries(counts))}`);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it("arrow: wrong magic bytes (JSON, Avro, nothing) are malformed", () => {
    const { bad } = createDecoder("arrow", schema).decode([
      Buffer.from('{"id":1}'),
      Buffer.from([0xc3, 0x01, 0x02, 0x03, 0x04]),
      Buffer.alloc(0),
    ]);
    expect(bad.map((b) => b.reason)).toEqual(["malformed", "malformed", "malformed"]);
  });
});

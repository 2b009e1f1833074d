import kafkajs from "kafkajs";
import { compress as snappyCompress } from "snappy";
import { describe, expect, it } from "vitest";
import { COMPRESSION } from "../../../../runtime/connectors/kafka/codecs.js";

const { CompressionCodecs } = kafkajs;
type Codec = { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
const codec = (type: number) => (CompressionCodecs as unknown as Record<number, () => Codec>)[type]();

/** 100 KiB that compresses (repeated JSON) but spans several 32 KiB xerial blocks. */
const data = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"id":${i},"name":"row ${i % 7}"}`).join("\n"));

describe("kafka codecs", () => {
  it.each(["gzip", "snappy", "lz4", "zstd"] as const)(
    "%s compresses and decompresses to the same bytes",
    async (name) => {
      const c = codec(COMPRESSION[name]);
      const packed = await c.compress({ buffer: data });
      expect(packed.length).toBeLessThan(data.length / 2);
      expect((await c.decompress(packed)).equals(data)).toBe(true);
    },
  );

  it("snappy writes xerial framing, as Kafka's Java producer does, and reads unframed snappy too", async () => {
    const c = codec(COMPRESSION.snappy);
    const framed = await c.compress({ buffer: data });
    expect(framed.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    const raw = await snappyCompress(data);
    expect((await c.decompress(raw)).equals(data)).toBe(true);
  });

  it("a cut xerial block is an error that says so, not a short batch", async () => {
    const c = codec(COMPRESSION.snappy);
    const framed = await c.compress({ buffer: data });
    await expect(c.decompress(framed.subarray(0, framed.length - 10))).rejects.toThrow(
      /runs past the end of the batch/,
    );
  });
});

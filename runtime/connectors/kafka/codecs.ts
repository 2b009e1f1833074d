import { promisify } from "node:util";
import { zstdCompress, zstdDecompress } from "node:zlib";
import kafkajs from "kafkajs";
import { compressFrame, decompressFrame } from "lz4-napi";
import { compress as snappyCompress, uncompress as snappyUncompress } from "snappy";

/**
 * Kafka's compression codecs for kafkajs, which ships only gzip. kafkajs looks codecs up in one
 * module-wide table when it encodes a produce request and when it decodes a fetched record batch,
 * so registering them here (imported by client.ts, before any client exists) covers producers,
 * the source's fetches and the dead-letter producer alike.
 *
 * Wire formats are Kafka's, as its Java client writes and reads them:
 * - snappy: xerial's framing (a 16-byte header, then length-prefixed snappy blocks), which the
 *   Java producer writes; unframed snappy (librdkafka's older producers, kafkajs-snappy) is read too;
 * - lz4: the standard LZ4 frame format with independent blocks (KafkaLZ4BlockOutputStream);
 * - zstd: a standard zstd frame (Node's own zlib binding of libzstd).
 */

// A default import: Node's CommonJS export detection does not see these two (kafkajs assigns them
// from another module's fields), so named imports fail outside of bundlers and vitest.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/** What kafkajs hands a codec to compress: its request encoder. */
interface Encoder {
  buffer: Buffer;
}
interface Codec {
  compress(encoder: Encoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16;
/** xerial's default block size, which the Java producer uses. */
const XERIAL_BLOCK = 32 * 1024;

function xerialHeader(): Buffer {
  const h = Buffer.alloc(XERIAL_HEADER);
  XERIAL_MAGIC.copy(h, 0);
  h.writeInt32BE(1, 8); // format version
  h.writeInt32BE(1, 12); // oldest compatible version
  return h;
}

async function snappyEncode(data: Buffer): Promise<Buffer> {
  const parts = [xerialHeader()];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK) {
    const block = await snappyCompress(data.subarray(at, at + XERIAL_BLOCK));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

async function snappyDecode(data: Buffer): Promise<Buffer> {
  if (data.length < XERIAL_HEADER || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC))
    return (await snappyUncompress(data)) as Buffer;
  const parts: Buffer[] = [];
  for (let at = XERIAL_HEADER; at < data.length; ) {
    if (at + 4 > data.length) throw new Error("snappy: a xerial block is cut short (no room for its length)");
    const len = data.readInt32BE(at);
    if (len < 0 || at + 4 + len > data.length)
      throw new Error(`snappy: a xerial block of ${len} bytes runs past the end of the batch`);
    parts.push((await snappyUncompress(data.subarray(at + 4, at + 4 + len))) as Buffer);
    at += 4 + len;
  }
  return Buffer.concat(parts);
}

const zstdEncode = promisify(zstdCompress);
const zstdDecode = promisify(zstdDecompress);

type Added = typeof CompressionTypes.Snappy | typeof CompressionTypes.LZ4 | typeof CompressionTypes.ZSTD;
const codecs: Record<Added, Codec> = {
  [CompressionTypes.Snappy]: {
    compress: (e) => snappyEncode(e.buffer),
    decompress: snappyDecode,
  },
  [CompressionTypes.LZ4]: {
    compress: (e) => compressFrame(e.buffer),
    decompress: (b) => decompressFrame(b),
  },
  [CompressionTypes.ZSTD]: {
    compress: (e) => zstdEncode(e.buffer),
    decompress: (b) => zstdDecode(b),
  },
};

for (const [type, codec] of Object.entries(codecs))
  CompressionCodecs[Number(type) as keyof typeof codecs] = () => codec;

/** Sink option → kafkajs compression type. */
export const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;
export type Compression = keyof typeof COMPRESSION;

/**
 * Preloaded into a test worker (NODE_OPTIONS=--import): the first exchange data frame this worker
 * sends once the file SABOT_TEST_CORRUPT_FRAME_WHEN exists goes out cut in half, as a faulty or
 * hostile sender would send it. Once per process: the restarted attempt runs clean.
 */
import { existsSync } from "node:fs";
import type { RecordBatch } from "apache-arrow";
import type { ExchangeFrameOut } from "../../../runtime/contract/rpc/messages.js";
import { ServedLink } from "../../../runtime/distributed/exchange/links.js";

const when = process.env.SABOT_TEST_CORRUPT_FRAME_WHEN ?? "";
const original = ServedLink.prototype.sendData;
let done = false;
process.stderr.write(`corrupt-one-frame: armed (once ${when} exists)\n`);

ServedLink.prototype.sendData = function (this: ServedLink, edge: number, batch: RecordBatch): void {
  if (done || !existsSync(when)) return original.call(this, edge, batch);
  done = true;
  // The link's stream is private: one write is intercepted instead.
  const call = (this as unknown as { call: { write(f: ExchangeFrameOut): boolean } }).call;
  const write = call.write.bind(call);
  call.write = (f: ExchangeFrameOut) => {
    call.write = write;
    if (!("data" in f)) return write(f);
    // The link hands over the IPC writer's chunks: join them to cut the frame's bytes.
    const ipc = f.data.ipc instanceof Uint8Array ? f.data.ipc : Buffer.concat(f.data.ipc);
    process.stderr.write(`corrupt-one-frame: cutting a frame of ${ipc.byteLength} bytes in half\n`);
    return write({ data: { ...f.data, ipc: ipc.subarray(0, ipc.byteLength >> 1) } });
  };
  original.call(this, edge, batch);
};

/**
 * Preloaded into a test worker (NODE_OPTIONS=--import): the first exchange data frame this worker
 * sends once the file SABOT_TEST_CORRUPT_FRAME_WHEN exists goes out cut in half, as a faulty or
 * hostile sender would send it. Once per process: the restarted attempt runs clean.
 */
import { existsSync } from "node:fs";
import type { RecordBatch } from "apache-arrow";
import { ServedLink } from "../../../runtime/distributed/exchange/links.js";
import { dataHeader } from "../../../runtime/distributed/exchange/wire.js";

const when = process.env.SABOT_TEST_CORRUPT_FRAME_WHEN ?? "";
const original = ServedLink.prototype.sendData;
let done = false;
process.stderr.write(`corrupt-one-frame: armed (once ${when} exists)\n`);

type Sending = { send(...parts: Uint8Array[]): void };

ServedLink.prototype.sendData = function (this: ServedLink, edge: number, batch: RecordBatch): void {
  if (done || !existsSync(when)) return original.call(this, edge, batch);
  done = true;
  // The link's connection is private: its next send (this frame's header and IPC chunks) is intercepted.
  const conn = (this as unknown as { conn: Sending }).conn;
  const send = conn.send.bind(conn);
  conn.send = (...parts: Uint8Array[]) => {
    conn.send = send;
    const ipc = Buffer.concat(parts.slice(1));
    process.stderr.write(`corrupt-one-frame: cutting a frame of ${ipc.byteLength} bytes in half\n`);
    const half = ipc.subarray(0, ipc.byteLength >> 1);
    send(dataHeader(edge, batch.numRows, half.byteLength), half);
  };
  original.call(this, edge, batch);
};

import { ControlClient } from "../../runtime/contract/rpc/loader.js";
import { parseDuration } from "../../runtime/contract/spec/duration.js";
import { requireTls, tlsSetting } from "../../runtime/contract/tls/files.js";

export interface SavepointFlags {
  stop?: boolean;
  timeout?: string;
  tlsDir?: string;
  insecure?: boolean;
}

/**
 * `sabot savepoint <coordinator>`: asks a running job's coordinator for a savepoint, waits for it
 * and prints its path (use it as spec.initialSavepoint or SABOT_RESTORE_FROM). Exit codes: 0
 * completed, 1 failed or timed out, 2 refused (no storage, job not running).
 */
export async function savepointCommand(address: string, flags: SavepointFlags): Promise<void> {
  const client = new ControlClient(address, requireTls(tlsSetting(flags, process.env), "sabot savepoint"));
  const timeoutMs = parseDuration(flags.timeout ?? "10m");
  try {
    let info: Awaited<ReturnType<ControlClient["triggerSavepoint"]>>;
    try {
      info = await client.triggerSavepoint({ stop: !!flags.stop, reason: "sabot savepoint" });
    } catch (err) {
      console.error(`savepoint refused: ${(err as { details?: string }).details ?? (err as Error).message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`savepoint ${info.id} started${flags.stop ? " (the job stops at it)" : ""}`);
    const deadline = Date.now() + timeoutMs;
    while (info.state === "IN_PROGRESS") {
      if (Date.now() > deadline) {
        console.error(
          `savepoint ${info.id} did not complete within ${flags.timeout ?? "10m"}; it may still complete: check with GetCheckpoint`,
        );
        process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
      info = await client.getCheckpoint(info.id);
    }
    if (info.state !== "COMPLETED") {
      console.error(`savepoint ${info.id} failed: ${info.error}`);
      process.exitCode = 1;
      return;
    }
    console.error(
      `savepoint ${info.id} completed: ${(info.bytes / 2 ** 20).toFixed(1)} MiB in ${Math.round(info.durationMs)} ms`,
    );
    console.log(info.path);
  } finally {
    client.close();
  }
}

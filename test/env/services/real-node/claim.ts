import { readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  assertNodeFree,
  createOwner,
  type NodeOwner,
  type ProcessId,
  RealNodeBusyError,
  readOwner,
  running,
  thisProcess,
} from "./owner.js";

/**
 * Serializes taking the node: "is it free, clean what a dead run left, record ourselves" must not
 * interleave between two environments starting at once, or one's scrub would tear down the
 * other's fresh node. The lock lives outside the node's folders, which the scrub removes.
 */
const LOCK = "/run/sabot-testenv-node.claim";

/** How long a test run waits for another test run's node before giving up (SABOT_TESTENV_NODE_WAIT_S). */
function waitLimitMs(): number {
  const s = Number(process.env.SABOT_TESTENV_NODE_WAIT_S ?? "900");
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 900_000;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the lock, breaking one whose holder died; waits while a live process holds it. */
async function lock(): Promise<void> {
  const me = JSON.stringify(thisProcess());
  for (;;) {
    try {
      writeFileSync(LOCK, me, { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder: ProcessId | undefined;
    try {
      holder = JSON.parse(readFileSync(LOCK, "utf8")) as ProcessId;
    } catch {
      // Being written this instant, or half-written by a process that died: look again shortly.
    }
    if (holder && !running(holder)) rmSync(LOCK, { force: true });
    else await sleep(200);
  }
}

function unlock(): void {
  rmSync(LOCK, { force: true });
}

/**
 * Takes the node, recording `makeOwner()`. While another test run holds it, waits for it (up to
 * SABOT_TESTENV_NODE_WAIT_S, 15 minutes by default) instead of failing: several people or CI jobs
 * may share a machine. An `env:up` environment is not waited for. `clean(stale)` removes what a
 * dead holder left; it runs under the lock.
 */
export async function claimNode(
  clean: (stale: NodeOwner | undefined) => Promise<void>,
  makeOwner: () => NodeOwner,
): Promise<NodeOwner> {
  const deadline = Date.now() + waitLimitMs();
  let told = false;
  for (;;) {
    await lock();
    try {
      assertNodeFree();
      await clean(readOwner());
      const owner = makeOwner();
      createOwner(owner);
      return owner;
    } catch (err) {
      if (!(err instanceof RealNodeBusyError) || err.standalone || Date.now() > deadline) throw err;
      if (!told) {
        const s = Math.round((deadline - Date.now()) / 1000);
        console.warn(
          `test environment: the real node is held by the test run in ${err.runDir}; waiting up to ${s} s for it`,
        );
      }
      told = true;
    } finally {
      unlock();
    }
    await sleep(2_000);
  }
}

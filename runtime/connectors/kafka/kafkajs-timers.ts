import { createRequire } from "node:module";

/**
 * Fixes a timer bug of kafkajs 2.2.4 (no longer developed, so it will not be fixed there).
 * Every broker connection has a RequestQueue whose `throttledUntil` starts at -1 (no throttle).
 * After each response, `scheduleCheckPendingRequests` arms `setTimeout(fn, throttledUntil -
 * Date.now())`: unthrottled, that is -1 - <epoch ms>, an absolute time where a duration belongs.
 * Node 24 prints `TimeoutNegativeWarning: -<epoch ms> is a negative number` and runs the timer
 * after 1 ms, which checks the (empty) pending queue and arms the same timer again: every idle
 * connection spins a 1 ms timer until it closes.
 *
 * The replacement keeps what the timer is for: with requests pending, check again when the
 * throttle ends (or in 10 ms, kafkajs's interval); throttled without pending requests, check when
 * the throttle ends; with neither, there is nothing to check (a new request is sent at once, or
 * queued, and queuing schedules the check). Every client Sabot makes loads kafkajs's RequestQueue
 * from the same file, so patching its prototype once covers producers, admin and the source.
 */

const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
}

export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const throttleLeft = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttleLeft <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttleLeft > 0 ? throttleLeft : CHECK_PENDING_REQUESTS_INTERVAL,
  );
}

const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as {
  prototype: { scheduleCheckPendingRequests: unknown };
};
RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;

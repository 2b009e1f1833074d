/**
 * The exchange protocol's messages as the code handles them (wire.ts puts them on the wire).
 * The receiving subtask sends requests (a hello naming itself, then credits); the sending
 * worker answers with frames. A frame's kind is named by `frame`, a request's by `request`.
 */

export interface ExchangeHello {
  jobName: string;
  attempt: number;
  toSubtask: number;
}
export interface ExchangeCredit {
  edge: number;
  credits: number;
}
export type ExchangeRequest =
  | { request: "hello"; hello: ExchangeHello }
  | { request: "credit"; credit: ExchangeCredit };

export interface ExchangeData {
  edge: number;
  ipc: Uint8Array;
  rows: number;
}
export interface ExchangeWatermark {
  edge: number;
  watermark: number;
}
export interface ExchangeEnd {
  edge: number;
}
export interface ExchangeBarrier {
  edge: number;
  checkpointId: number;
  stop: boolean;
}
export type ExchangeFrame =
  | { frame: "barrier"; barrier: ExchangeBarrier }
  | { frame: "data"; data: ExchangeData }
  | { frame: "watermark"; watermark: ExchangeWatermark }
  | { frame: "end"; end: ExchangeEnd };

/**
 * Why a worker ended a stream without serving it (its last frame). `code` says what to do:
 * `invalid_argument` (the peer broke the protocol), `failed_precondition` (that attempt does not
 * run there), `not_found` (it has no data for that subtask), `already_exists` (that subtask is
 * connected already).
 */
export type RefusalCode = "invalid_argument" | "failed_precondition" | "not_found" | "already_exists";
export interface ExchangeRefusal {
  code: RefusalCode;
  details: string;
}

import { hostname } from "node:os";
import { parseDuration } from "../contract/spec/duration.js";
import { type TlsSetting, tlsSetting } from "../contract/tls/files.js";

/**
 * Settings of coordinator and worker processes, from environment variables (how the Kubernetes
 * operator configures pods) with command-line flags taking precedence. Documented in docs/distributed.md
 * (the variables table); keep the two in step.
 */

export class DistributedConfigError extends Error {
  override name = "DistributedConfigError";
}

type Env = Record<string, string | undefined>;

export interface CoordinatorConfig {
  bindAddress: string;
  port: number;
  /** Workers to run (default: the spec's parallelism). */
  parallelism?: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** How long a graceful stop (SIGTERM) may take before everything is cancelled. */
  shutdownTimeoutMs: number;
  /** Checkpoint or savepoint URL to start from, or "none"; see CheckpointCoordinator.restoreSource. */
  restoreFrom?: string;
  /** Keep serving the Control API after the job ended, until SIGTERM (in a pod; see docs/distributed.md, "Graceful stop"). */
  linger: boolean;
  /** Port of the web UI and its API (docs/ui.md) on bindAddress; null: none (SABOT_UI_PORT unset). */
  uiPort: number | null;
  /** Certificates of the Control API (null: none given; the service then refuses to start). */
  tls: TlsSetting | null;
}

export interface WorkerConfig {
  coordinatorAddress: string;
  workerId: string;
  bindAddress: string;
  /** Port of the worker's exchange server (0: any free port). */
  port: number;
  /** host:port other workers use to reach this one (default bindAddress:port). */
  advertisedAddress?: string;
  /** Batches an exchange channel may have in flight. */
  credits: number;
  /** Rows an exchange channel may queue before sources wait. */
  channelBufferRows: number;
  /** Most rows in one exchange frame (one credit). */
  frameRows: number;
  sinkBufferRows: number;
  shutdownTimeoutMs: number;
  /** How long to keep trying to reach the coordinator (at start and after losing it). */
  coordinatorTimeoutMs: number;
  /** Port of the Prometheus /metrics and /healthz endpoint; null: not served. */
  metricsPort: number | null;
  /** Stay up, idle, after the job ended, until SIGTERM (in a pod, so it is not restarted). */
  linger: boolean;
  /** Certificates of the exchange server and of every client (null: none given; the worker then refuses to start). */
  tls: TlsSetting | null;
}

/** `--tls-dir` (ca.crt, tls.crt, tls.key) or `--insecure`; SABOT_TLS_DIR / SABOT_TLS=off otherwise. */
export interface TlsFlags {
  tlsDir?: string;
  insecure?: boolean;
}

export interface CoordinatorFlags extends TlsFlags {
  bind?: string;
  port?: string;
  parallelism?: string;
  restoreFrom?: string;
}

export interface WorkerFlags extends TlsFlags {
  coordinator?: string;
  id?: string;
  bind?: string;
  port?: string;
}

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new DistributedConfigError(`${name} must be a whole number ≥ ${min}, got "${value}"`);
  return Number(value);
}

function bool(name: string, value: string | undefined): boolean {
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw new DistributedConfigError(`${name} must be true or false, got "${value}"`);
}

function duration(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  try {
    return parseDuration(value);
  } catch {
    throw new DistributedConfigError(`${name} must be a duration like 500ms, 10s or 1m, got "${value}"`);
  }
}

function address(name: string, value: string): string {
  if (!/^[^\s:]+:\d+$/.test(value) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(value))
    throw new DistributedConfigError(`${name} must be host:port (e.g. 127.0.0.1:7070), got "${value}"`);
  return value;
}

export const DEFAULT_COORDINATOR_PORT = 7070;

export function coordinatorConfig(flags: CoordinatorFlags = {}, env: Env = process.env): CoordinatorConfig {
  const heartbeatIntervalMs = duration("SABOT_HEARTBEAT_INTERVAL", env.SABOT_HEARTBEAT_INTERVAL, 1000);
  const heartbeatTimeoutMs = duration("SABOT_HEARTBEAT_TIMEOUT", env.SABOT_HEARTBEAT_TIMEOUT, 10_000);
  if (heartbeatTimeoutMs < 2 * heartbeatIntervalMs)
    throw new DistributedConfigError(
      `SABOT_HEARTBEAT_TIMEOUT (${heartbeatTimeoutMs} ms) must be at least twice SABOT_HEARTBEAT_INTERVAL (${heartbeatIntervalMs} ms)`,
    );
  const p = flags.parallelism ?? env.SABOT_PARALLELISM;
  return {
    bindAddress: flags.bind ?? env.SABOT_BIND_ADDRESS ?? "127.0.0.1",
    port: int("--port / SABOT_COORDINATOR_PORT", flags.port ?? env.SABOT_COORDINATOR_PORT, DEFAULT_COORDINATOR_PORT, 0),
    parallelism: p === undefined || p === "" ? undefined : int("--parallelism / SABOT_PARALLELISM", p, 1, 1),
    heartbeatIntervalMs,
    heartbeatTimeoutMs,
    shutdownTimeoutMs: duration("SABOT_SHUTDOWN_TIMEOUT", env.SABOT_SHUTDOWN_TIMEOUT, 25_000),
    restoreFrom: flags.restoreFrom || env.SABOT_RESTORE_FROM || undefined,
    linger: bool("SABOT_LINGER", env.SABOT_LINGER),
    uiPort:
      env.SABOT_UI_PORT === undefined || env.SABOT_UI_PORT === ""
        ? null
        : int("SABOT_UI_PORT", env.SABOT_UI_PORT, 0, 0),
    tls: tlsSetting(flags, env),
  };
}

export function workerConfig(flags: WorkerFlags = {}, env: Env = process.env): WorkerConfig {
  const coordinator = flags.coordinator ?? env.SABOT_COORDINATOR_ADDRESS;
  if (!coordinator)
    throw new DistributedConfigError(
      "a worker needs the coordinator's address: set SABOT_COORDINATOR_ADDRESS=host:port or pass --coordinator",
    );
  const advertised = env.SABOT_ADVERTISED_ADDRESS;
  return {
    coordinatorAddress: address("--coordinator / SABOT_COORDINATOR_ADDRESS", coordinator),
    workerId: flags.id ?? env.SABOT_WORKER_ID ?? `${hostname()}-${process.pid}`,
    bindAddress: flags.bind ?? env.SABOT_BIND_ADDRESS ?? "127.0.0.1",
    port: int("--port / SABOT_WORKER_PORT", flags.port ?? env.SABOT_WORKER_PORT, 0, 0),
    advertisedAddress: advertised ? address("SABOT_ADVERTISED_ADDRESS", advertised) : undefined,
    // Measured in docs/benchmarks.md ("Flow-control defaults"): per-frame costs dominate below
    // 16 K rows a frame; 8 credits keep a channel busy across a round trip.
    credits: int("SABOT_EXCHANGE_CREDITS", env.SABOT_EXCHANGE_CREDITS, 8, 1),
    channelBufferRows: int("SABOT_EXCHANGE_BUFFER_ROWS", env.SABOT_EXCHANGE_BUFFER_ROWS, 32_768, 1),
    frameRows: int("SABOT_EXCHANGE_FRAME_ROWS", env.SABOT_EXCHANGE_FRAME_ROWS, 16_384, 1),
    sinkBufferRows: int("SABOT_SINK_BUFFER_ROWS", env.SABOT_SINK_BUFFER_ROWS, 65_536, 1),
    shutdownTimeoutMs: duration("SABOT_SHUTDOWN_TIMEOUT", env.SABOT_SHUTDOWN_TIMEOUT, 25_000),
    coordinatorTimeoutMs: duration("SABOT_COORDINATOR_TIMEOUT", env.SABOT_COORDINATOR_TIMEOUT, 60_000),
    metricsPort: env.SABOT_METRICS_PORT ? int("SABOT_METRICS_PORT", env.SABOT_METRICS_PORT, 0, 0) : null,
    linger: bool("SABOT_LINGER", env.SABOT_LINGER),
    tls: tlsSetting(flags, env),
  };
}

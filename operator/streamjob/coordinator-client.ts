import { ControlClient } from "../../runtime/contract/rpc/loader.js";
import type { CheckpointInfo, JobStatus, MetricsSummary } from "../../runtime/contract/rpc/messages.js";
import type { StreamJobStatus } from "../../runtime/contract/status/streamjob.js";
import type { TlsSetting } from "../../runtime/contract/tls/files.js";
import type { StreamJob } from "./job.js";
import { coordinatorAddress } from "./resources/coordinator.js";

/**
 * How the operator reaches a job's coordinator: its Control API (runtime/contract/rpc, the wire API; the
 * operator imports nothing else of the runtime). The address comes from one injectable function,
 * so tests map it to a local process (test/helpers/pod-runner.ts).
 */
export type CoordinatorResolver = (job: StreamJob) => string;

/** In a cluster: the coordinator Service, `<job>-coordinator.<ns>.svc:7070`. */
export const serviceResolver: CoordinatorResolver = (job) => coordinatorAddress(job);

/** The calls the operator makes; ControlClient has them, and unit tests fake them. */
export type CoordinatorApi = Pick<
  ControlClient,
  "triggerSavepoint" | "getCheckpoint" | "getJobStatus" | "getMetricsSummary" | "reportOperatorView"
>;

/**
 * Coordinator states in which a refused savepoint becomes possible by itself: the job is being
 * deployed, restored or restarted (just resumed or rescaled, or a worker pod was replaced), while
 * its pods are already ready and the StreamJob says Running. A savepoint asked for then (an
 * upgrade, a Checkpoint object) waits for the job instead of failing.
 */
const STARTING: ReadonlySet<string> = new Set(["WAITING_FOR_WORKERS", "DEPLOYING", "RESTARTING"]);

/** The coordinator's state when it is one of STARTING; undefined otherwise or when unreachable. */
export async function coordinatorStarting(client: Pick<CoordinatorApi, "getJobStatus">): Promise<string | undefined> {
  try {
    const { state } = await client.getJobStatus();
    return STARTING.has(state) ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the operator's credentials for a job's coordinator come from: its client certificate in the
 * job's TLS Secret (job-tls.ts). `forget` drops what was read (the job is gone); `stale` lets an
 * unreachable coordinator have it read again, so credentials changed behind the operator's back
 * (which make the handshake fail, also UNAVAILABLE) are replaced.
 */
export interface CoordinatorCredentials {
  client(job: StreamJob): Promise<TlsSetting>;
  forget?(key: string): void;
  stale?(key: string): void;
}

/**
 * What both controllers use to reach jobs' coordinators, made once per watched scope by the
 * manager: the StreamJob controller's Secret writes are then what the job observer reads, and a
 * coordinator gets one connection from the operator, not one per controller.
 */
export interface JobCoordinators<Credentials extends CoordinatorCredentials = CoordinatorCredentials> {
  credentials: Credentials;
  clients: CoordinatorClients;
}

/**
 * One gRPC client per job, replaced when the job's address or the operator's certificate for it
 * changes; closed when done with. The certificate is read asynchronously (from the API server the
 * first time), so `for(job)` hands out a stand-in whose calls wait for the real client.
 */
export class CoordinatorClients {
  private readonly clients = new Map<string, ControlClient>();

  constructor(
    private readonly credentials: CoordinatorCredentials,
    private readonly resolve: CoordinatorResolver = serviceResolver,
  ) {}

  for(job: StreamJob): CoordinatorApi {
    // Every method of the client, each awaiting the client first: a Proxy, so that methods added to
    // CoordinatorApi need nothing here. The cast is why-safe: every property read yields such a call.
    return new Proxy({} as CoordinatorApi, {
      get: (_target, name) =>
        // Not a promise (`then`), nor anything JS asks of objects by symbol.
        typeof name !== "string" || name === "then"
          ? undefined
          : async (...args: unknown[]) => {
              const c = (await this.client(job)) as unknown as Record<string, (...a: unknown[]) => unknown>;
              return c[name].apply(c, args);
            },
    });
  }

  private async client(job: StreamJob): Promise<ControlClient> {
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const address = this.resolve(job);
    const tls = await this.credentials.client(job);
    let c = this.clients.get(key);
    if (c?.address !== address || !sameTls(c.tls, tls)) {
      c?.close();
      c = new ControlClient(address, tls);
      this.clients.set(key, c);
    }
    return c;
  }

  /**
   * After UNAVAILABLE: drops the client, so the next call dials afresh. grpc-js backs off
   * reconnects up to minutes, far longer than a coordinator pod takes to (re)start. The
   * credentials are marked stale rather than dropped: a coordinator that is starting would
   * otherwise cost a Secret read every observation (the scale benchmark's most frequent GET).
   */
  unavailable(job: StreamJob, err: unknown): void {
    if (grpcCode(err) !== GRPC_UNAVAILABLE) return;
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    this.close(key);
    this.credentials.stale?.(key);
  }

  forget(key: string): void {
    this.close(key);
    this.credentials.forget?.(key);
  }

  private close(key: string): void {
    this.clients.get(key)?.close();
    this.clients.delete(key);
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

/**
 * The same credentials: equal content, not the same object. The source hands out a new object when
 * it reads the Secret again (two calls at once both read it): comparing objects, each call would
 * close the other's channel ("Channel has been shut down").
 */
function sameTls(a: TlsSetting, b: TlsSetting): boolean {
  if (a === "insecure" || b === "insecure") return a === b;
  return a.ca.equals(b.ca) && a.cert.equals(b.cert) && a.key.equals(b.key);
}

/** A gRPC error's status code (see @grpc/grpc-js `status`), or undefined for other errors. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

export const GRPC_NOT_FOUND = 5;
export const GRPC_FAILED_PRECONDITION = 9;
export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_UNAVAILABLE = 14;

/** The message of a gRPC error without grpc-js's "9 FAILED_PRECONDITION: " prefix. */
export function grpcMessage(err: unknown): string {
  const details = (err as { details?: unknown } | null)?.details;
  if (typeof details === "string" && details) return details;
  return err instanceof Error ? err.message : String(err);
}

/** A sample of the job's counters, to turn into rates against the next one. */
export interface MetricsSample {
  attempt: number;
  recordsIn: number;
  recordsOut: number;
  atMs: number;
}

export function sampleOf(m: MetricsSummary, atMs: number): MetricsSample {
  return { attempt: m.attempt, recordsIn: m.total.recordsIn, recordsOut: m.total.recordsOut, atMs };
}

/**
 * Records/s in and out between two samples. Counters restart with each attempt (and a worker
 * replaced mid-attempt may report less), so a new attempt or a counter going down gives no rate
 * rather than a wrong one.
 */
export function rates(prev: MetricsSample | undefined, cur: MetricsSample): { in: number; out: number } | undefined {
  if (!prev || prev.attempt !== cur.attempt || cur.atMs <= prev.atMs) return undefined;
  const dIn = cur.recordsIn - prev.recordsIn;
  const dOut = cur.recordsOut - prev.recordsOut;
  if (dIn < 0 || dOut < 0) return undefined;
  const s = (cur.atMs - prev.atMs) / 1000;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { in: round(dIn / s), out: round(dOut / s) };
}

/** `status.lastCheckpoint` from the coordinator's newest completed checkpoint or savepoint. */
export function lastCheckpointOf(
  info: CheckpointInfo | null | undefined,
): StreamJobStatus["lastCheckpoint"] | undefined {
  if (!info || info.id === 0 || info.state !== "COMPLETED" || !info.path) return undefined;
  const at = info.triggeredAtMs + info.durationMs;
  return { path: info.path, time: new Date(at > 0 ? at : Date.now()).toISOString().replace(/\.\d{3}Z$/, "Z") };
}

/**
 * The part of a StreamJob's status that comes from its running coordinator: rates from counter
 * deltas, Kafka consumer lag summed over the workers' last heartbeats, the last checkpoint.
 */
export function coordinatorStatusPatch(
  current: StreamJobStatus | undefined,
  job: JobStatus,
  r: { in: number; out: number } | undefined,
  now: Date,
  consumerLag?: number,
): Pick<StreamJobStatus, "metrics" | "lastCheckpoint"> {
  const patch: Pick<StreamJobStatus, "metrics" | "lastCheckpoint"> = {};
  const last = lastCheckpointOf(job.lastCheckpoint);
  if (last && (last.path !== current?.lastCheckpoint?.path || last.time !== current?.lastCheckpoint?.time))
    patch.lastCheckpoint = last;
  if (r)
    patch.metrics = {
      ...(consumerLag !== undefined
        ? { consumerLag: Math.round(consumerLag) }
        : current?.metrics?.consumerLag !== undefined
          ? { consumerLag: current.metrics.consumerLag }
          : {}),
      recordsInPerSecond: r.in,
      recordsOutPerSecond: r.out,
      updatedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
  return patch;
}

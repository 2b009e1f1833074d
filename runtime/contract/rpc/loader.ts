import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { TlsFiles, TlsSetting } from "../tls/files.js";
import { ROLE_NAMES } from "../tls/job-certificates.js";
import type * as m from "./messages.js";

/**
 * Loads control.proto with @grpc/proto-loader (no generated code) and wraps the dynamic grpc-js
 * client in a small typed class. Message shapes are in messages.ts. (Workers exchange data over
 * their own framed protocol, not gRPC: runtime/distributed/exchange/wire.ts.)
 */

/** The .proto files sit next to this module in the sources; a compiled build copies them there too. */
function protoPath(name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(here)) return here;
  // dist/runtime/contract/rpc/loader.js run from a checkout: the sources are beside dist/.
  const source = fileURLToPath(new URL(`../../../../runtime/contract/rpc/${name}`, import.meta.url));
  if (existsSync(source)) return source;
  throw new Error(`cannot find ${name}: copy runtime/contract/rpc/*.proto next to ${fileURLToPath(import.meta.url)}`);
}

const definition = protoLoader.loadSync(protoPath("control.proto"), {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

interface Services {
  sabot: { v1: { Control: grpc.ServiceClientConstructor } };
}
const services = grpc.loadPackageDefinition(definition) as unknown as Services;
export const controlService: grpc.ServiceDefinition = services.sabot.v1.Control.service;

/** Batches of a whole window can be large; gRPC's 4 MiB default would reject them. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 512 * 2 ** 20,
  "grpc.max_send_message_length": 512 * 2 ** 20,
  // Notice a peer whose host vanished (no TCP reset) within seconds rather than minutes.
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
};
const SERVER_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 512 * 2 ** 20,
  "grpc.max_send_message_length": 512 * 2 ** 20,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": 5_000,
};

/**
 * Client credentials: present this process's certificate and accept only a server whose
 * certificate the job CA signed for the coordinator (checked by role name, not by the dialled
 * address; see runtime/contract/tls/job-certificates.ts). Returns the channel options that name it.
 */
function clientCredentials(tls: TlsSetting): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (tls === "insecure") return { credentials: grpc.credentials.createInsecure(), options: {} };
  const name = ROLE_NAMES.coordinator;
  return {
    credentials: sslCredentials(tls),
    options: { "grpc.ssl_target_name_override": name, "grpc.default_authority": name },
  };
}

/** One TLS context per set of certificates, however many clients use it (each new one parses the keys again). */
const sslContexts = new WeakMap<TlsFiles, grpc.ChannelCredentials>();
function sslCredentials(tls: TlsFiles): grpc.ChannelCredentials {
  let c = sslContexts.get(tls);
  if (!c) {
    c = grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
    sslContexts.set(tls, c);
  }
  return c;
}

/** Server credentials: the TLS handshake requires a client certificate signed by the job CA. */
function serverCredentials(tls: TlsSetting): grpc.ServerCredentials {
  if (tls === "insecure") return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca, [{ private_key: tls.key, cert_chain: tls.cert }], true);
}

function method<Req, Res>(service: grpc.ServiceDefinition, name: string): grpc.MethodDefinition<Req, Res> {
  const def = service[name];
  if (!def) throw new Error(`the loaded proto has no method ${name}`);
  return def as grpc.MethodDefinition<Req, Res>;
}

function unary<Req, Res>(
  client: grpc.Client,
  def: grpc.MethodDefinition<Req, Res>,
  req: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      req,
      { deadline: Date.now() + timeoutMs },
      (err, res) => (err || res === undefined ? reject(err ?? new Error(`${def.path}: empty response`)) : resolve(res)),
    );
  });
}

const C = {
  registerWorker: method<m.RegisterWorkerRequest, m.RegisterWorkerResponse>(controlService, "RegisterWorker"),
  watchCommands: method<m.WatchCommandsRequest, m.WorkerCommand>(controlService, "WatchCommands"),
  heartbeat: method<m.HeartbeatRequest, m.HeartbeatResponse>(controlService, "Heartbeat"),
  reportTaskState: method<m.TaskStateReport, m.Ack>(controlService, "ReportTaskState"),
  getJobStatus: method<Record<string, never>, m.JobStatus>(controlService, "GetJobStatus"),
  getMetricsSummary: method<Record<string, never>, m.MetricsSummary>(controlService, "GetMetricsSummary"),
  stopJob: method<m.StopJobRequest, m.JobStatus>(controlService, "StopJob"),
  cancelJob: method<m.CancelJobRequest, m.JobStatus>(controlService, "CancelJob"),
  acknowledgeCheckpoint: method<m.CheckpointAck, m.Ack>(controlService, "AcknowledgeCheckpoint"),
  triggerSavepoint: method<m.TriggerSavepointRequest, m.CheckpointInfo>(controlService, "TriggerSavepoint"),
  getCheckpoint: method<m.GetCheckpointRequest, m.CheckpointInfo>(controlService, "GetCheckpoint"),
  reportOperatorView: method<m.OperatorViewReport, m.Ack>(controlService, "ReportOperatorView"),
};

/** Client of a coordinator's Control service (workers, the CLI, the operator). */
export class ControlClient {
  private readonly client: grpc.Client;

  constructor(
    readonly address: string,
    readonly tls: TlsSetting,
  ) {
    const { credentials, options } = clientCredentials(tls);
    this.client = new grpc.Client(address, credentials, { ...CHANNEL_OPTIONS, ...options });
  }

  registerWorker(req: m.RegisterWorkerRequest, timeoutMs = 5000): Promise<m.RegisterWorkerResponse> {
    return unary(this.client, C.registerWorker, req, timeoutMs);
  }
  watchCommands(req: m.WatchCommandsRequest): grpc.ClientReadableStream<m.WorkerCommand> {
    return this.client.makeServerStreamRequest(
      C.watchCommands.path,
      C.watchCommands.requestSerialize,
      C.watchCommands.responseDeserialize,
      req,
    );
  }
  heartbeat(req: m.HeartbeatRequest, timeoutMs = 5000): Promise<m.HeartbeatResponse> {
    return unary(this.client, C.heartbeat, req, timeoutMs);
  }
  reportTaskState(req: m.TaskStateReport, timeoutMs = 5000): Promise<m.Ack> {
    return unary(this.client, C.reportTaskState, req, timeoutMs);
  }
  getJobStatus(timeoutMs = 5000): Promise<m.JobStatus> {
    return unary(this.client, C.getJobStatus, {}, timeoutMs);
  }
  getMetricsSummary(timeoutMs = 5000): Promise<m.MetricsSummary> {
    return unary(this.client, C.getMetricsSummary, {}, timeoutMs);
  }
  stopJob(reason: string, timeoutMs = 5000): Promise<m.JobStatus> {
    return unary(this.client, C.stopJob, { reason }, timeoutMs);
  }
  cancelJob(reason: string, timeoutMs = 5000): Promise<m.JobStatus> {
    return unary(this.client, C.cancelJob, { reason }, timeoutMs);
  }
  acknowledgeCheckpoint(req: m.CheckpointAck, timeoutMs = 10_000): Promise<m.Ack> {
    return unary(this.client, C.acknowledgeCheckpoint, req, timeoutMs);
  }
  /** Starts a savepoint (optionally stopping the job with it); follow it with getCheckpoint(id). */
  triggerSavepoint(req: m.TriggerSavepointRequest, timeoutMs = 5000): Promise<m.CheckpointInfo> {
    return unary(this.client, C.triggerSavepoint, req, timeoutMs);
  }
  /** A checkpoint or savepoint by id; 0: the newest. */
  getCheckpoint(id: number, timeoutMs = 5000): Promise<m.CheckpointInfo> {
    return unary(this.client, C.getCheckpoint, { id }, timeoutMs);
  }
  /** The operator's autoscaler decisions and the job's Events, for the coordinator's web UI. */
  reportOperatorView(req: m.OperatorViewReport, timeoutMs = 5000): Promise<m.Ack> {
    return unary(this.client, C.reportOperatorView, req, timeoutMs);
  }
  close(): void {
    this.client.close();
  }
}

/** Handlers of the Control service, typed (the coordinator implements them). */
export interface ControlHandlers {
  RegisterWorker: grpc.handleUnaryCall<m.RegisterWorkerRequest, m.RegisterWorkerResponse>;
  WatchCommands: grpc.handleServerStreamingCall<m.WatchCommandsRequest, m.WorkerCommand>;
  Heartbeat: grpc.handleUnaryCall<m.HeartbeatRequest, m.HeartbeatResponse>;
  ReportTaskState: grpc.handleUnaryCall<m.TaskStateReport, m.Ack>;
  GetJobStatus: grpc.handleUnaryCall<Record<string, never>, m.JobStatus>;
  GetMetricsSummary: grpc.handleUnaryCall<Record<string, never>, m.MetricsSummary>;
  StopJob: grpc.handleUnaryCall<m.StopJobRequest, m.JobStatus>;
  CancelJob: grpc.handleUnaryCall<m.CancelJobRequest, m.JobStatus>;
  AcknowledgeCheckpoint: grpc.handleUnaryCall<m.CheckpointAck, m.Ack>;
  TriggerSavepoint: grpc.handleUnaryCall<m.TriggerSavepointRequest, m.CheckpointInfo>;
  GetCheckpoint: grpc.handleUnaryCall<m.GetCheckpointRequest, m.CheckpointInfo>;
  ReportOperatorView: grpc.handleUnaryCall<m.OperatorViewReport, m.Ack>;
}

/**
 * Starts a gRPC server on host:port (port 0: any free port); resolves with the bound port. With
 * TLS, a peer without a certificate of the job CA fails the handshake: no message of it is read.
 */
export async function startServer(
  host: string,
  port: number,
  tls: TlsSetting,
  add: (server: grpc.Server) => void,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server(SERVER_OPTIONS);
  add(server);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${port}`, serverCredentials(tls), (err, p) =>
      err ? reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err })) : resolve(p),
    ),
  );
  return { server, port: bound };
}

export function addControlService(server: grpc.Server, handlers: ControlHandlers): void {
  server.addService(controlService, handlers as unknown as grpc.UntypedServiceImplementation);
}

/** Stops a server, waiting at most `graceMs` for calls in flight. */
export function stopServer(server: grpc.Server, graceMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export { grpc };

import { Registry } from "prom-client";
import type { JobStatus } from "../../contract/rpc/messages.js";
import type { StreamJobManifest } from "../../contract/spec/manifest.js";
import { requireTls } from "../../contract/tls/files.js";
import { type Logger, log as rootLog } from "../../log.js";
import { type MetricsServer, startMetricsServer } from "../../metrics/server.js";
import { actionPolicyFromEnv, createApi, type WebApi } from "../../metrics/web/api.js";
import { staticRoute } from "../../metrics/web/static-files.js";
import type { CoordinatorConfig } from "../config.js";
import { ControlServer } from "./control-service.js";
import { Coordinator } from "./coordinator.js";
import { coordinatorJobView } from "./web-view.js";

/** A running coordinator: the job master plus its gRPC server. */
export class CoordinatorService {
  private constructor(
    readonly coordinator: Coordinator,
    private readonly control: ControlServer,
    readonly address: string,
    private readonly log: Logger,
    private readonly web: { api: WebApi; server: MetricsServer } | null,
  ) {}

  /** The web UI's URL, when SABOT_UI_PORT serves one. */
  get webUrl(): string | null {
    return this.web ? `http://${this.address.slice(0, this.address.lastIndexOf(":"))}:${this.web.server.port}/` : null;
  }

  static async start(
    manifest: StreamJobManifest,
    config: CoordinatorConfig,
    log: Logger = rootLog,
  ): Promise<CoordinatorService> {
    const tls = requireTls(config.tls, "the coordinator");
    const coordinator = new Coordinator(manifest, config, log);
    await coordinator.init();
    const control = new ControlServer(coordinator, log.child({ job: manifest.name, role: "coordinator" }));
    const port = await control.start(config.bindAddress, config.port, tls);
    const host = config.bindAddress === "0.0.0.0" || config.bindAddress === "::" ? "127.0.0.1" : config.bindAddress;
    const web = config.uiPort === null ? null : await startWeb(coordinator, config.bindAddress, config.uiPort);
    return new CoordinatorService(coordinator, control, `${host}:${port}`, log, web);
  }

  /**
   * SIGTERM: a graceful stop of the whole job (sources stop, data drains, sinks flush, offsets
   * commit), cancelled if it takes longer than the shutdown timeout.
   */
  async stopGracefully(reason: string): Promise<JobStatus> {
    const c = this.coordinator;
    c.requestStop("coordinator", reason);
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), c.config.shutdownTimeoutMs).unref());
    const done = await Promise.race([c.terminal, timeout]);
    if (done) return done;
    this.log.warn({ timeoutMs: c.config.shutdownTimeoutMs }, "graceful stop timed out: cancelling");
    c.cancel(`not stopped within ${c.config.shutdownTimeoutMs} ms`);
    return c.terminal;
  }

  /** Lets workers receive their shutdown command, then stops serving. */
  async close(): Promise<void> {
    this.coordinator.close();
    await new Promise((r) => setTimeout(r, 200));
    await this.control.stop(1000);
    this.web?.api.close();
    await this.web?.server.close();
  }
}

/** Exit code of a finished job: 0 unless it failed. */
export function exitCode(status: JobStatus): number {
  return status.state === "FAILED" ? 1 : 0;
}

/**
 * The web UI on its own port (SABOT_UI_PORT): the coordinator has no engine metrics of its own, so
 * the /metrics there is empty; workers serve theirs on SABOT_METRICS_PORT.
 */
async function startWeb(c: Coordinator, bind: string, port: number): Promise<{ api: WebApi; server: MetricsServer }> {
  const api = createApi(coordinatorJobView(c), actionPolicyFromEnv());
  const server = await startMetricsServer(new Registry(), bind, port, [api.route, staticRoute]);
  return { api, server };
}

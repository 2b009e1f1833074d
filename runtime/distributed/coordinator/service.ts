import { log as rootLog, type Logger } from "../../log.js";
import type { JobStatus } from "../../contract/rpc/messages.js";
import type { StreamJobManifest } from "../../contract/spec/manifest.js";
import type { CoordinatorConfig } from "../config.js";
import { ControlServer } from "./control-service.js";
import { Coordinator } from "./coordinator.js";

/** A running coordinator: the job master plus its gRPC server. */
export class CoordinatorService {
  private constructor(
    readonly coordinator: Coordinator,
    private readonly control: ControlServer,
    readonly address: string,
    private readonly log: Logger,
  ) {}

  static async start(manifest: StreamJobManifest, config: CoordinatorConfig, log: Logger = rootLog): Promise<CoordinatorService> {
    const coordinator = new Coordinator(manifest, config, log);
    await coordinator.init();
    const control = new ControlServer(coordinator, log.child({ job: manifest.name, role: "coordinator" }));
    const port = await control.start(config.bindAddress, config.port);
    const host = config.bindAddress === "0.0.0.0" || config.bindAddress === "::" ? "127.0.0.1" : config.bindAddress;
    return new CoordinatorService(coordinator, control, `${host}:${port}`, log);
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
  }
}

/** Exit code of a finished job: 0 unless it failed. */
export function exitCode(status: JobStatus): number {
  return status.state === "FAILED" ? 1 : 0;
}

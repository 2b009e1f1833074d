import { spawn } from "node:child_process";
import { PORTS } from "../../operator/streamjob/resources/pod.js";

export interface UiFlags {
  namespace?: string;
  port?: string;
  /** commander's --no-open sets false. */
  open?: boolean;
}

/**
 * `sabot ui <job>`: `kubectl port-forward` to the job's coordinator Service (its `ui` port, see
 * docs/ui.md), prints the local URL and opens it in a browser; runs until Ctrl-C.
 */
export async function uiCommand(job: string, flags: UiFlags): Promise<void> {
  const local = flags.port ?? String(PORTS.ui);
  const args = [
    "port-forward",
    ...(flags.namespace ? ["-n", flags.namespace] : []),
    `svc/${job}-coordinator`,
    `${local}:ui`,
  ];
  const kubectl = spawn("kubectl", args, { stdio: ["ignore", "pipe", "inherit"] });
  const url = `http://127.0.0.1:${local}/`;
  let shown = false;
  kubectl.stdout.on("data", (chunk: Buffer) => {
    if (shown || !chunk.toString().includes("Forwarding from")) return;
    shown = true;
    process.stderr.write(`web UI of ${job}: ${url} (Ctrl-C to stop)\n`);
    if (flags.open !== false) openBrowser(url);
  });
  const stop = () => kubectl.kill("SIGINT");
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const code = await new Promise<number>((resolve, reject) => {
    kubectl.once("error", (err) =>
      reject(new Error(`cannot run kubectl (${err.message}): sabot ui needs kubectl on PATH and a kubeconfig`)),
    );
    kubectl.once("exit", (c) => resolve(c ?? 0));
  });
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  if (code !== 0 && !shown) {
    const where = flags.namespace ? `namespace ${flags.namespace}` : "the current namespace (-n to choose)";
    process.stderr.write(
      `kubectl port-forward to svc/${job}-coordinator failed (exit ${code}): is the job deployed in ${where}?\n`,
    );
    process.exitCode = 1;
  }
}

/** Best effort: no browser (a server, a container) is fine, the URL is printed. */
function openBrowser(url: string): void {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(opener, [url], { stdio: "ignore", detached: true });
  child.on("error", () => {});
  child.unref();
}

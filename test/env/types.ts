import type { ServerProcess } from "./lib/process.js";

/** Where each real service of a running test environment can be reached. Written to env.json. */
export interface TestEnv {
  /** Folder of this run: server logs, data dirs, generated configs. */
  runDir: string;
  logDir: string;
  kafka: { brokers: string[] };
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  prometheus: {
    url: string;
    /**
     * A file_sd targets file Prometheus watches; tests append `host:port` targets to it
     * (see test/helpers/prometheus.ts) and Prometheus picks them up without a restart.
     */
    targetsFile: string;
  };
  kube: { kubeconfig: string; server: string; gpuNode: string; cpuNode: string };
  processes: ServerProcess[];
}

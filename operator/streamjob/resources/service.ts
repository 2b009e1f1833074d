import type { V1Service, V1ServicePort, V1ServiceSpec } from "@kubernetes/client-node";
import { type Component, childHead, type StreamJob, selectorLabels } from "../job.js";
import { PORTS } from "./pod.js";

/** One of PORTS under its own name: the container port of that name is the target. */
export function servicePort(name: keyof typeof PORTS, appProtocol?: string): V1ServicePort {
  return { name, port: PORTS[name], targetPort: name, protocol: "TCP", ...(appProtocol ? { appProtocol } : {}) };
}

/** How a Service is reached: a stable virtual IP, or headless (each pod's own DNS name). */
type Addressing = Pick<V1ServiceSpec, "type" | "clusterIP" | "publishNotReadyAddresses">;

/** A Service over one role's pods; only its name, addressing and ports differ between roles. */
export function roleService(
  job: StreamJob,
  name: string,
  role: Component,
  addressing: Addressing,
  ports: V1ServicePort[],
): V1Service {
  return {
    ...childHead(job, "v1", "Service", name, role),
    spec: { ...addressing, selector: selectorLabels(job, role), ports },
  };
}

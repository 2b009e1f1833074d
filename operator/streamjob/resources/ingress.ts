import type { V1Ingress } from "@kubernetes/client-node";
import { childHead, childNames, type StreamJob } from "../job.js";
import { coordinatorWebUrl } from "./coordinator.js";
import { PORTS } from "./pod.js";

/** spec.ingress: the web UI (the coordinator Service's ui port) at the given host; null without one. */
export function buildIngress(job: StreamJob): V1Ingress | null {
  const ingress = job.spec.ingress;
  if (!ingress) return null;
  const names = childNames(job);
  return {
    ...childHead(job, "networking.k8s.io/v1", "Ingress", names.coordinator, "coordinator"),
    spec: {
      ingressClassName: ingress.className,
      tls: ingress.tlsSecret ? [{ hosts: [ingress.host], secretName: ingress.tlsSecret }] : undefined,
      rules: [
        {
          host: ingress.host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: names.coordinator, port: { number: PORTS.ui } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The UI's URL: at spec.ingress's host when there is one, else the coordinator Service inside the cluster. */
export function webUrl(job: StreamJob): string {
  const ingress = job.spec.ingress;
  if (ingress) return `${ingress.tlsSecret ? "https" : "http"}://${ingress.host}/`;
  return coordinatorWebUrl(job);
}

import { createHash } from "node:crypto";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { StreamJob } from "../job.js";
import { buildConfigMap } from "./configmap.js";
import { buildCoordinatorDeployment, buildCoordinatorService, type DeployOptions } from "./coordinator.js";
import { buildIngress } from "./ingress.js";
import { buildNetworkPolicy } from "./network-policy.js";
import type { OperatorSettings } from "./settings.js";
import { buildWorkerStatefulSet, buildWorkersService } from "./workers.js";

/** Annotation on every child: a hash of all of them, as built for the job's current deployment. */
export const CHILDREN_HASH = "sabot.dev/children-hash";

/**
 * Everything a StreamJob owns, in the order to create them (the spec before the pods that read
 * it), each stamped with CHILDREN_HASH: the informers' copies of the Deployment and StatefulSet
 * then tell a reconcile whether the children already are as it would apply them.
 */
export function buildChildren(
  job: StreamJob,
  settings: OperatorSettings,
  opts: DeployOptions = {},
): KubernetesObject[] {
  const ingress = buildIngress(job);
  const policy = buildNetworkPolicy(job, settings.networkPolicy);
  const children: KubernetesObject[] = [
    buildConfigMap(job),
    buildCoordinatorService(job),
    buildWorkersService(job),
    // Before the pods, so none of them is ever reachable from outside the job.
    ...(policy ? [policy] : []),
    ...(ingress ? [ingress] : []),
    buildCoordinatorDeployment(job, settings, opts),
    buildWorkerStatefulSet(job, settings),
  ];
  const hash = createHash("sha256").update(JSON.stringify(children)).digest("hex").slice(0, 16);
  for (const c of children)
    c.metadata = { ...c.metadata, annotations: { ...c.metadata?.annotations, [CHILDREN_HASH]: hash } };
  return children;
}

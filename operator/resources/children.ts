import type { KubernetesObject } from "@kubernetes/client-node";
import { buildConfigMap } from "./configmap.js";
import { buildCoordinatorDeployment, buildCoordinatorService, type DeployOptions } from "./coordinator.js";
import type { StreamJob } from "./job.js";
import type { OperatorSettings } from "./settings.js";
import { buildWorkersService, buildWorkerStatefulSet } from "./workers.js";

/** Everything a StreamJob owns, in the order to create them (the spec before the pods that read it). */
export function buildChildren(job: StreamJob, settings: OperatorSettings, opts: DeployOptions = {}): KubernetesObject[] {
  return [
    buildConfigMap(job),
    buildCoordinatorService(job),
    buildWorkersService(job),
    buildCoordinatorDeployment(job, settings, opts),
    buildWorkerStatefulSet(job, settings),
  ];
}

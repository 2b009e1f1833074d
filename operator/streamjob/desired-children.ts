import type { KubernetesObject, V1Deployment, V1StatefulSet } from "@kubernetes/client-node";
import { cachedWorkload, type Workload } from "./cached.js";
import type { StreamJob } from "./job.js";
import { buildChildren, CHILDREN_HASH } from "./resources/children.js";
import type { OperatorSettings } from "./resources/settings.js";
import { deployedJob } from "./states/spec.js";

/** The children a job's status asks for, in the form the informers keep them (cached.ts). */
export interface DesiredChildren {
  /** CHILDREN_HASH of all five children as built. */
  hash: string;
  workers: Workload;
  coordinator: Workload;
}

/** What the children are built from: the deployed spec, the restore source and the job's identity. */
interface Inputs {
  uid: string;
  spec: string;
  restoreFrom: string | undefined;
}

/**
 * The children each job's status asks for, built once per deployment rather than on every
 * reconcile (five objects with their pod templates, JSON-encoded and hashed): a job's deployed
 * spec changes with an upgrade, its status with every pod that becomes ready. Only the trimmed
 * forms are kept between reconciles; the objects themselves are built again when applied.
 */
export class DesiredChildrenMemo {
  private readonly byJob = new Map<string, { inputs: Inputs; desired: DesiredChildren }>();

  constructor(private readonly settings: OperatorSettings) {}

  /** Undefined before the job's first deployment (no status.lastReconciledSpec). */
  of(job: StreamJob): DesiredChildren | undefined {
    const inputs = inputsOf(job);
    if (!inputs) return undefined;
    const key = `${job.metadata.namespace}/${job.metadata.name}`;
    const memo = this.byJob.get(key);
    if (memo && sameInputs(memo.inputs, inputs)) return memo.desired;
    return this.remember(key, inputs, this.build(job)).desired;
  }

  /** The objects to apply, as `of(job)` describes them. */
  build(job: StreamJob): KubernetesObject[] {
    const children = buildChildren(deployedJob(job), this.settings, { restoreFrom: job.status?.restoreFrom });
    const inputs = inputsOf(job);
    if (inputs) this.remember(`${job.metadata.namespace}/${job.metadata.name}`, inputs, children);
    return children;
  }

  forget(key: string): void {
    this.byJob.delete(key);
  }

  private remember(key: string, inputs: Inputs, children: KubernetesObject[]) {
    const find = (kind: string) =>
      cachedWorkload(children.find((c) => c.kind === kind) as V1StatefulSet | V1Deployment);
    const desired = {
      hash: children[0].metadata?.annotations?.[CHILDREN_HASH] ?? "",
      workers: find("StatefulSet"),
      coordinator: find("Deployment"),
    };
    const memo = { inputs, desired };
    this.byJob.set(key, memo);
    return memo;
  }
}

function inputsOf(job: StreamJob): Inputs | undefined {
  const spec = job.status?.lastReconciledSpec;
  return spec ? { uid: job.metadata.uid, spec, restoreFrom: job.status?.restoreFrom } : undefined;
}

const sameInputs = (a: Inputs, b: Inputs) => a.uid === b.uid && a.restoreFrom === b.restoreFrom && a.spec === b.spec;

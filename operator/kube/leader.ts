import { ApiException, type CustomObjectsApi } from "@kubernetes/client-node";
import type { Logger } from "pino";

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease's name, shared by all replicas. */
  name: string;
  /** This replica's identity (pod name). */
  identity: string;
  leaseDurationMs: number;
  /** How often the holder renews and the others try to acquire. */
  retryPeriodMs: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface LeaseBody {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** MicroTime: six fractional digits (client-node's Date serializer writes three, which the API server refuses). */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
 * every retry period; another replica takes over only when it has seen the same renewTime for a
 * whole lease duration (measured on its own clock, so clock skew between nodes does not matter),
 * or when the holder released it. Writes carry the resourceVersion, so two replicas racing for an
 * expired Lease cannot both win. The Lease is read and written as a plain object (through the
 * custom objects API) to keep MicroTime precision.
 */
export class LeaderElector {
  private timer?: NodeJS.Timeout;
  private leading = false;
  private observed?: { record: string; at: number };
  private stopped = false;
  /** When this replica last renewed successfully (its own clock). */
  private renewedAt = 0;

  constructor(
    private readonly api: CustomObjectsApi,
    private readonly opts: LeaderElectionOptions,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      const attemptAt = Date.now(); // before the request: the renewal may land any time after it
      let leading = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.log.warn({ err }, "leader election: could not reach the Lease");
        return undefined;
      });
      if (this.stopped) return;
      if (leading) this.renewedAt = attemptAt;
      // A leader that cannot reach the API server keeps leading until the renew deadline (2/3 of
      // the lease), and stops before any other replica can see the Lease as expired.
      else if (leading === undefined)
        leading = this.leading && Date.now() - this.renewedAt < (this.opts.leaseDurationMs * 2) / 3;
      this.setLeading(leading);
      this.timer = setTimeout(() => void tick(), this.opts.retryPeriodMs);
    };
    void tick();
  }

  /** Stops electing; a leader releases the Lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.setLeading(false);
    const lease = await this.read().catch(() => undefined);
    if (lease?.spec.holderIdentity !== this.opts.identity) return;
    lease.spec = { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(new Date()) };
    await this.write(lease).catch((err: unknown) =>
      this.log.warn({ err }, "leader election: could not release the Lease"),
    );
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.log.info(
      { identity: this.opts.identity, lease: `${this.opts.namespace}/${this.opts.name}` },
      leading ? "became leader" : "lost leadership",
    );
    if (leading) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  private ref() {
    return { group: "coordination.k8s.io", version: "v1", namespace: this.opts.namespace, plural: "leases" };
  }

  private async read(): Promise<LeaseBody | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.ref(), name: this.opts.name })) as LeaseBody;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  private async write(lease: LeaseBody): Promise<void> {
    await this.api.replaceNamespacedCustomObject({ ...this.ref(), name: this.opts.name, body: lease });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const mine = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.opts.leaseDurationMs / 1000)),
      renewTime: microTime(now),
    };
    const lease = await this.read();
    if (!lease) {
      const body: LeaseBody = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec: { ...mine, acquireTime: mine.renewTime, leaseTransitions: 0 },
      };
      return this.api.createNamespacedCustomObject({ ...this.ref(), body }).then(
        () => true,
        (err: unknown) => (err instanceof ApiException && err.code === 409 ? false : Promise.reject(err)),
      );
    }
    const holder = lease.spec.holderIdentity ?? "";
    const record = `${holder}|${lease.spec.renewTime ?? ""}`;
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    const expired = this.observed.at + (lease.spec.leaseDurationSeconds ?? 0) * 1000 <= Date.now();
    if (holder !== "" && holder !== this.opts.identity && !expired) return false;

    const taking = holder !== this.opts.identity;
    lease.spec = {
      ...lease.spec,
      ...mine,
      ...(taking ? { acquireTime: mine.renewTime, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    return this.write(lease).then(
      () => true,
      (err: unknown) => (err instanceof ApiException && err.code === 409 ? false : Promise.reject(err)),
    );
  }
}

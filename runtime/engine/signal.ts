/**
 * A one-shot event to race work against (stop, end of streams). Unlike Promise.race with a
 * long-lived promise, which keeps every raced promise (and the batch it resolved with) reachable
 * from that promise until it settles, a race here drops its listener as soon as the work settles.
 */
export class Signal {
  private fired = false;
  private readonly listeners = new Set<() => void>();

  get raised(): boolean {
    return this.fired;
  }

  raise(): void {
    if (this.fired) return;
    this.fired = true;
    for (const l of this.listeners) l();
    this.listeners.clear();
  }

  /** `work`'s value, or `whenRaised` if the signal comes first (work then runs on, ignored). */
  race<T, U>(work: Promise<T>, whenRaised: U, also?: Signal): Promise<T | U> {
    if (this.fired || also?.fired) return Promise.resolve(whenRaised);
    return new Promise<T | U>((resolve, reject) => {
      const onRaise = () => {
        this.listeners.delete(onRaise);
        also?.listeners.delete(onRaise);
        resolve(whenRaised);
      };
      this.listeners.add(onRaise);
      also?.listeners.add(onRaise);
      work.then(
        (v) => {
          this.listeners.delete(onRaise);
          also?.listeners.delete(onRaise);
          resolve(v);
        },
        (e: unknown) => {
          this.listeners.delete(onRaise);
          also?.listeners.delete(onRaise);
          reject(e as Error);
        },
      );
    });
  }
}

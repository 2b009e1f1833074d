import { KubeConfig } from "@kubernetes/client-node";

type RequestContext = Parameters<KubeConfig["applySecurityAuthentication"]>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * A KubeConfig whose requests share one connection pool per context.
 *
 * @kubernetes/client-node 2.0 makes a new undici Agent for every request it authenticates, so
 * every API call (and every watch) opened its own TLS connection to the API server and closed it
 * a few seconds later: a full handshake, and a TLS context parsed from the CA, certificate and key,
 * for each of the operator's thousands of requests. Here the first Agent of a context is kept and
 * handed to every later request, which then reuses its kept-alive connections; the headers (a
 * service-account token, which the kubelet rotates) are still applied afresh to each request.
 *
 * The TLS material is therefore read once per process, as client-go does for the in-cluster CA: a
 * client certificate that changes while the operator runs (an exec credential plugin's) takes
 * effect when the operator restarts. 200 requests to a local HTTPS server: 200 connections and
 * 1.7 CPU-s without this class, 2 connections and 0.44 CPU-s with it (docs/benchmarks.md).
 */
export class PooledKubeConfig extends KubeConfig {
  private readonly pools = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return; // plain HTTP without TLS options: fetch's global pool already reuses connections
    const key = this.getCurrentContext();
    const kept = this.pools.get(key);
    if (!kept) {
      this.pools.set(key, fresh);
      return;
    }
    context.setDispatcher(kept);
    // It never connected: closing it frees nothing but its timers.
    void fresh.close();
  }
}

/**
 * A small client for Prometheus's HTTP API (`GET /api/v1/query`, instant queries only), with a
 * timeout and errors typed by what the user has to fix: the address, the server, or the query.
 */

/** One series of an instant vector (or a scalar, as one series without labels). */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
  /** Evaluation time, in ms since the epoch. */
  timestampMs: number;
}

export abstract class PrometheusError extends Error {
  /** Short machine-readable cause, used as the reason of conditions and Events. */
  abstract readonly reason: string;
}

/** Nothing answered at the URL (DNS, refused connection, TLS) or it timed out. */
export class PrometheusUnreachableError extends PrometheusError {
  override name = "PrometheusUnreachableError";
  readonly reason = "PrometheusUnreachable";
}

/** Something answered, but not like a Prometheus API (wrong URL path, proxy error page, 5xx). */
export class PrometheusResponseError extends PrometheusError {
  override name = "PrometheusResponseError";
  readonly reason = "PrometheusError";
}

/** Prometheus refused the query (bad PromQL, query timeout on the server, too many samples). */
export class PrometheusQueryError extends PrometheusError {
  override name = "PrometheusQueryError";
  readonly reason = "PrometheusQueryFailed";
}

interface ApiBody {
  status?: string;
  data?: { resultType?: string; result?: unknown };
  errorType?: string;
  error?: string;
}

type VectorEntry = { metric: Record<string, string>; value: [number, string] };

export interface PrometheusClientOptions {
  /** Per request; the default suits an operator that must not hang on one job. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class PrometheusClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(url: string, opts: PrometheusClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PrometheusUnreachableError(
        `Prometheus URL "${url}" is not a URL: set spec.autoscaler.prometheus.url to e.g. http://prometheus:9090`,
      );
    }
    this.base = parsed.toString().replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  /** Evaluates `promql` at `atMs` (default: now, as Prometheus sees it). */
  async query(promql: string, atMs?: number): Promise<PromSample[]> {
    const params = new URLSearchParams({ query: promql, timeout: `${Math.ceil(this.timeoutMs / 1000)}s` });
    if (atMs !== undefined) params.set("time", (atMs / 1000).toFixed(3));
    const target = `${this.base}/api/v1/query?${params}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(target, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: "application/json" },
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      const why = e.name === "TimeoutError" ? `no answer within ${this.timeoutMs} ms` : `${e.message}${causeOf(e)}`;
      throw new PrometheusUnreachableError(`cannot reach Prometheus at ${this.base}: ${why}`);
    }
    let body: ApiBody;
    try {
      body = JSON.parse(text) as ApiBody;
    } catch {
      throw new PrometheusResponseError(
        `${this.base} answered HTTP ${res.status} with something that is not Prometheus JSON (is the URL the Prometheus server, without /api/v1?): ${text.slice(0, 200)}`,
      );
    }
    if (body.status !== "success") {
      if (
        res.status === 400 ||
        res.status === 422 ||
        body.errorType === "bad_data" ||
        body.errorType === "execution" ||
        body.errorType === "timeout"
      )
        throw new PrometheusQueryError(
          `Prometheus refused ${promql}: ${body.errorType ?? ""} ${body.error ?? `HTTP ${res.status}`}`.trim(),
        );
      throw new PrometheusResponseError(
        `Prometheus at ${this.base} failed (HTTP ${res.status}): ${body.errorType ?? ""} ${body.error ?? ""}`.trim(),
      );
    }
    return parseResult(promql, body.data);
  }
}

function parseResult(promql: string, data: ApiBody["data"]): PromSample[] {
  switch (data?.resultType) {
    case "vector":
      return ((data.result ?? []) as VectorEntry[]).map((s) => ({
        labels: s.metric,
        value: Number(s.value[1]),
        timestampMs: s.value[0] * 1000,
      }));
    case "scalar": {
      const [t, v] = data.result as [number, string];
      return [{ labels: {}, value: Number(v), timestampMs: t * 1000 }];
    }
    default:
      throw new PrometheusQueryError(
        `${promql} returned a ${data?.resultType ?? "missing"} result; the autoscaler needs instant vectors`,
      );
  }
}

function causeOf(e: Error): string {
  const c = (e as Error & { cause?: { code?: string; message?: string } }).cause;
  return c ? ` (${c.code ?? c.message ?? ""})` : "";
}

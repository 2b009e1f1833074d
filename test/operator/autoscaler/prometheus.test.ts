import { describe, expect, it } from "vitest";
import {
  PrometheusClient,
  PrometheusQueryError,
  PrometheusResponseError,
  PrometheusUnreachableError,
} from "../../../operator/autoscaler/prometheus.js";
import { jobQueries } from "../../../operator/autoscaler/queries.js";

const answer = (status: number, body: unknown): typeof fetch =>
  (async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status })) as typeof fetch;

describe("PrometheusClient", () => {
  it("parses instant vectors and scalars", async () => {
    const vec = new PrometheusClient("http://p:9090/", {
      fetch: answer(200, {
        status: "success",
        data: { resultType: "vector", result: [{ metric: { subtask: "0" }, value: [1700000000.5, "12.5"] }] },
      }),
    });
    expect(await vec.query("x")).toEqual([{ labels: { subtask: "0" }, value: 12.5, timestampMs: 1700000000500 }]);
    const sc = new PrometheusClient("http://p:9090", {
      fetch: answer(200, { status: "success", data: { resultType: "scalar", result: [1, "3"] } }),
    });
    expect((await sc.query("1+2"))[0].value).toBe(3);
  });

  it("sends the query, an evaluation time and a server-side timeout", async () => {
    let seen = "";
    const c = new PrometheusClient("http://p:9090/", {
      timeoutMs: 4000,
      fetch: (async (url: string) => {
        seen = url;
        return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
      }) as unknown as typeof fetch,
    });
    await c.query('sum(rate(x{job_name="a"}[1m]))', 1_700_000_000_000);
    const u = new URL(seen);
    expect(u.pathname).toBe("/api/v1/query");
    expect(u.searchParams.get("query")).toBe('sum(rate(x{job_name="a"}[1m]))');
    expect(u.searchParams.get("time")).toBe("1700000000.000");
    expect(u.searchParams.get("timeout")).toBe("4s");
  });

  it("types its errors by what to fix", async () => {
    const refused = new PrometheusClient("http://127.0.0.1:1", { timeoutMs: 2000 });
    await expect(refused.query("up")).rejects.toBeInstanceOf(PrometheusUnreachableError);
    const hang = new PrometheusClient("http://p", {
      timeoutMs: 50,
      fetch: ((_u: string, init: RequestInit) =>
        new Promise((_r, rej) =>
          init.signal?.addEventListener("abort", () => rej(init.signal?.reason)),
        )) as unknown as typeof fetch,
    });
    await expect(hang.query("up")).rejects.toThrow(/no answer within 50 ms/);
    const html = new PrometheusClient("http://p", { fetch: answer(404, "<html>not found</html>") });
    await expect(html.query("up")).rejects.toBeInstanceOf(PrometheusResponseError);
    const bad = new PrometheusClient("http://p", {
      fetch: answer(400, { status: "error", errorType: "bad_data", error: "parse error" }),
    });
    await expect(bad.query("sum(")).rejects.toBeInstanceOf(PrometheusQueryError);
    const down = new PrometheusClient("http://p", {
      fetch: answer(503, { status: "error", errorType: "unavailable", error: "starting" }),
    });
    await expect(down.query("up")).rejects.toBeInstanceOf(PrometheusResponseError);
    expect(() => new PrometheusClient("not a url")).toThrow(PrometheusUnreachableError);
  });
});

describe("jobQueries", () => {
  it("selects the job by job_name, escaped, over the window", () => {
    const q = jobQueries('we"ird', 90_000);
    expect(q.sourceRate).toBe('sum(rate(sabot_source_records_total{job_name="we\\"ird"}[90s]))');
    expect(q.busySum).toContain("sabot_source_busy_seconds_total");
    expect(q.backpressuredAvg).toContain("clamp_max(");
  });
});

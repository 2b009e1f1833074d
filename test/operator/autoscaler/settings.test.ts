import { describe, expect, it } from "vitest";
import { autoscalerSettings } from "../../../operator/autoscaler/settings.js";
import type { StreamJobSpec } from "../../../runtime/contract/spec/schema.js";

const spec = (extra: Partial<StreamJobSpec>): StreamJobSpec =>
  ({ sources: {}, pipeline: [], sinks: {}, ...extra }) as unknown as StreamJobSpec;

describe("autoscalerSettings", () => {
  it("fills the defaults", () => {
    expect(autoscalerSettings(spec({ autoscaler: { enabled: true } }), {})).toEqual({
      enabled: true,
      dryRun: false,
      minParallelism: 1,
      maxParallelism: 128,
      targetUtilization: 0.7,
      metricWindowMs: 120_000,
      stabilizationWindowMs: 300_000,
      catchUpDurationMs: 300_000,
      restartTimeMs: 60_000,
      scaleDownMaxFactor: 0.5,
      evaluationIntervalMs: 60_000,
    });
  });

  it("never allows more subtasks than key groups", () => {
    expect(
      autoscalerSettings(spec({ maxParallelism: 8, autoscaler: { enabled: true, maxParallelism: 50 } }), {})
        .maxParallelism,
    ).toBe(8);
  });

  it("takes the Prometheus URL from the spec, else from the operator's environment", () => {
    const env = { SABOT_OPERATOR_PROMETHEUS_URL: "http://prom:9090" };
    expect(autoscalerSettings(spec({ autoscaler: { enabled: true } }), env).prometheusUrl).toBe("http://prom:9090");
    expect(
      autoscalerSettings(spec({ autoscaler: { enabled: true, prometheus: { url: "http://mine:9090" } } }), env)
        .prometheusUrl,
    ).toBe("http://mine:9090");
    expect(autoscalerSettings(spec({ autoscaler: { enabled: true } }), {}).prometheusUrl).toBeUndefined();
  });
});

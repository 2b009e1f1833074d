import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JobView } from "./job-view.js";
import { Sampler } from "./sampler.js";
import type { ActionResult, Graph, JobInfo, MetricsHistory, OperatorView } from "./schemas.js";

/** Actions (savepoint, stop) need both: SABOT_UI_ACTIONS=true and a request bearing SABOT_UI_TOKEN. */
export interface ActionPolicy {
  enabled: boolean;
  token: string | null;
}

export function actionPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ActionPolicy {
  const token = env.SABOT_UI_TOKEN?.trim() || null;
  return { enabled: env.SABOT_UI_ACTIONS === "true" && token !== null, token };
}

/** A request handler: true when it answered the request. */
export type Route = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface WebApi {
  route: Route;
  close(): void;
}

/** The JSON API under /api/v1 (docs/ui.md); GETs are read-only, POSTs are the guarded actions. */
export function createApi(view: JobView, policy: ActionPolicy): WebApi {
  const sampler = new Sampler(view);
  const gets: Record<string, () => unknown> = {
    "/api/v1/job": (): JobInfo => ({ ...view.job(), actionsEnabled: policy.enabled }),
    "/api/v1/graph": () => graph(view, sampler),
    "/api/v1/watermarks": () => view.watermarks(),
    "/api/v1/checkpoints": () => view.checkpoints(),
    "/api/v1/metrics/history": (): MetricsHistory => ({ intervalMs: sampler.intervalMs, samples: sampler.history() }),
    "/api/v1/operator": (): OperatorView => view.operatorView?.() ?? NO_OPERATOR,
  };
  const posts: Record<string, (() => Promise<string>) | undefined> = {
    "/api/v1/savepoint": view.savepoint && (() => view.savepoint!()),
    "/api/v1/stop": view.stop && (() => view.stop!().then(() => "stopping: the job drains and ends")),
  };
  const route: Route = (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && gets[path]) {
      Promise.resolve(gets[path]()).then(
        (body) => json(res, 200, body),
        (err: unknown) => json(res, 500, { ok: false, message: String(err) }),
      );
      return true;
    }
    if (req.method === "POST" && path in posts) {
      const denied = refusal(req, policy);
      const run = posts[path];
      if (denied) json(res, 403, result(false, denied));
      else if (!run) json(res, 501, result(false, `${path} is not available for this job's runner`));
      else
        run().then(
          (m) => json(res, 200, result(true, m)),
          (err: unknown) => json(res, 500, result(false, String(err))),
        );
      return true;
    }
    return false;
  };
  return { route, close: () => sampler.close() };
}

/** A job not run by the Kubernetes operator: nothing reported. */
const NO_OPERATOR: OperatorView = { reportedAt: null, decisions: [], rescales: [], events: [] };

async function graph(view: JobView, sampler: Sampler): Promise<Graph> {
  const shape = view.shape();
  const r = sampler.rates();
  const state = view.stateBytes?.() ?? {};
  return {
    ...shape,
    nodes: shape.nodes.map((n) => ({
      ...n,
      recordsInPerSecond: r.in[n.id] ?? null,
      recordsOutPerSecond: r.out[n.id] ?? null,
      busy: r.busy,
      backpressured: r.backpressured,
      stateBytes: state[n.id] ?? n.stateBytes,
    })),
  };
}

/** Why an action is refused, or null when it is allowed. */
function refusal(req: IncomingMessage, policy: ActionPolicy): string | null {
  if (!policy.enabled || !policy.token)
    return "actions are disabled: set SABOT_UI_ACTIONS=true and SABOT_UI_TOKEN on the job to enable them";
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
  const want = Buffer.from(policy.token);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return "missing or wrong bearer token (Authorization: Bearer $SABOT_UI_TOKEN)";
  return null;
}

function result(ok: boolean, message: string): ActionResult {
  return { ok, message };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
}

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Route } from "./api.js";

const here = (name: string) => fileURLToPath(new URL(`./static/${name}`, import.meta.url));
const vendor = (name: string) => createRequire(import.meta.url).resolve(`uplot/dist/${name}`);

/** The page and its assets; uPlot comes from node_modules (in the image), never from the internet. */
const files: Record<string, { path: () => string; type: string }> = {
  "/": { path: () => here("index.html"), type: "text/html; charset=utf-8" },
  "/app.js": { path: () => here("app.js"), type: "text/javascript; charset=utf-8" },
  "/app.css": { path: () => here("app.css"), type: "text/css; charset=utf-8" },
  "/vendor/uPlot.iife.min.js": { path: () => vendor("uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "/vendor/uPlot.min.css": { path: () => vendor("uPlot.min.css"), type: "text/css; charset=utf-8" },
};

/** Serves the single-page UI (GET only). */
export const staticRoute: Route = (req, res) => {
  const f = req.method === "GET" ? files[(req.url ?? "").split("?")[0]] : undefined;
  if (!f) return false;
  readFile(f.path()).then(
    (body) => res.writeHead(200, { "content-type": f.type }).end(body),
    (err: unknown) =>
      res.writeHead(500, { "content-type": "text/plain" }).end(`UI file missing from this build: ${String(err)}\n`),
  );
  return true;
};

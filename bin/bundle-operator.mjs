#!/usr/bin/env node
// Bundles the operator into one ES module: `node bin/bundle-operator.mjs <outfile>`.
// Why: loaded module by module, the operator keeps every file of @kubernetes/client-node's
// generated API (about 5 MB of source text, plus compiled code) resident, and its idle RSS is
// ~260 MiB under tsx. esbuild drops what the operator never imports and V8 keeps one script;
// the image runs this bundle (Dockerfile) and `npm run bench:operator` measures the same file.
// The .proto files the contract's gRPC loader reads are copied next to the bundle.
import { copyFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const outfile = process.argv[2];
if (!outfile) {
  console.error("usage: node bin/bundle-operator.mjs <outfile>");
  process.exit(2);
}
const root = fileURLToPath(new URL("../", import.meta.url));
await build({
  entryPoints: [join(root, "operator/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node24",
  logLevel: "warning",
  // Bundled CommonJS dependencies call require() for Node's built-ins; an ES module has none.
  banner: { js: "import { createRequire as __sabotRequire } from 'node:module'; const require = __sabotRequire(import.meta.url);" },
});
const protos = join(root, "runtime/contract/rpc");
for (const name of readdirSync(protos).filter((f) => f.endsWith(".proto"))) {
  copyFileSync(join(protos, name), join(dirname(outfile), name));
}

// The layer rules of docs/development.md, checked by `npm run lint:deps` (part of `npm test`).
// An import may point to its own layer or a lower one; the operator and the engine meet only in
// runtime/contract/, which imports neither.

/** Engine layers, bottom first. A folder may import the folders on its own row and the rows below. */
const ENGINE_LAYERS = [
  ["types"],
  ["kernels"],
  ["state", "formats", "expr", "time"],
  ["operators"],
  ["connectors"],
  ["planner"],
  ["checkpoint"],
  ["engine"],
  ["distributed"],
];

const alt = (names) => `(${names.join("|")})`;

/** A rule that imports from paths matching `from` must never reach paths matching `to`. */
const forbid = (name, from, to, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: to },
});

const layerRules = ENGINE_LAYERS.slice(0, -1).map((row, i) => {
  const above = ENGINE_LAYERS.slice(i + 1).flat();
  return forbid(
    `layer-${row.join("-")}`,
    `^runtime/${alt(row)}/`,
    `^runtime/${alt(above)}/`,
    `runtime/${alt(row)} sits below ${above.join(", ")}: import downward only`,
  );
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Import circles make load order and layering unclear: move the shared piece down.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    forbid(
      "contract-stands-alone",
      "^runtime/contract/",
      "^(operator|bin|test)/|^runtime/(?!contract/)",
      "runtime/contract is shared by the operator and the engine, so it imports neither.",
    ),
    forbid("engine-never-imports-operator", "^runtime/", "^(operator|bin)/", "The engine runs without the operator."),
    forbid(
      "operator-imports-only-the-contract",
      "^operator/",
      "^runtime/(?!contract/)|^bin/",
      "The operator talks to the engine through the contract (spec, status, rpc, storage) only.",
    ),
    forbid("sources-never-import-tests", "^(runtime|operator|bin)/", "^test/", "Tests depend on sources, not back."),
    forbid(
      "utilities-stay-low",
      "^runtime/(log\\.ts|metrics/)",
      "^runtime/(?!(types|kernels|contract|log\\.ts|metrics)(/|$))",
      "log.ts and metrics/ serve every layer above kernels/: metrics reports the kernel choice, nothing more.",
    ),
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|native/build)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};

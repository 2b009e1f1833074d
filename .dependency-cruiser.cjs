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

const layerRules = ENGINE_LAYERS.slice(0, -1).map((row, i) => ({
  name: `layer-${row.join("-")}`,
  comment: `runtime/${alt(row)} sits below ${ENGINE_LAYERS.slice(i + 1).flat().join(", ")}: import downward only`,
  severity: "error",
  from: { path: `^runtime/${alt(row)}/` },
  to: { path: `^runtime/${alt(ENGINE_LAYERS.slice(i + 1).flat())}/` },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "Import circles make load order and layering unclear: move the shared piece down.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "contract-stands-alone",
      comment: "runtime/contract is shared by the operator and the engine, so it imports neither.",
      severity: "error",
      from: { path: "^runtime/contract/" },
      to: { path: "^(operator|bin|test)/|^runtime/(?!contract/)" },
    },
    {
      name: "engine-never-imports-operator",
      severity: "error",
      from: { path: "^runtime/" },
      to: { path: "^(operator|bin)/" },
    },
    {
      name: "operator-imports-only-the-contract",
      comment: "The operator talks to the engine through the contract (spec, status, rpc, storage) only.",
      severity: "error",
      from: { path: "^operator/" },
      to: { path: "^runtime/(?!contract/)|^bin/" },
    },
    {
      name: "sources-never-import-tests",
      severity: "error",
      from: { path: "^(runtime|operator|bin)/" },
      to: { path: "^test/" },
    },
    {
      name: "utilities-stay-low",
      comment: "log.ts and metrics/ serve every layer above kernels/: metrics reports the kernel choice, nothing more.",
      severity: "error",
      from: { path: "^runtime/(log\\.ts|metrics/)" },
      to: { path: "^runtime/(?!(types|kernels|contract|log\\.ts|metrics)(/|$))" },
    },
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

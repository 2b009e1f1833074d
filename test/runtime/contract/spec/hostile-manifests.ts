import yaml from "js-yaml";
import { MANIFEST_LIMITS } from "../../../../runtime/contract/spec/limits.js";
import { hostileSql } from "../../../helpers/hostile-sql.js";
import type { Rng } from "../../../helpers/random.js";

/**
 * Malformed StreamJobs for the manifest fuzz test, one maker per hostile class. A case is YAML
 * text (what `sabot run` and `sabot validate` read) or a spec object (what the operator gets from
 * the API server). `at` says where the refusal must point: under `spec`, at the manifest itself
 * (YAML that cannot be read), or anywhere (top-level fields).
 */
export interface HostileManifest {
  cls: string;
  text?: string;
  spec?: unknown;
  mustRefuse: boolean;
  at: "spec" | "manifest" | "any";
}

type Json = Record<string, unknown>;
type Path = (string | number)[];

const L = MANIFEST_LIMITS;

/** Valid specs the mutations start from; the fuzz test checks that they pass unchanged. */
export const VALID_SPECS: Json[] = [
  {
    sources: {
      bids: {
        generator: { kind: "nexmark-bid", count: 1000, batchSize: 512 },
        eventTime: { field: "dateTime", maxOutOfOrderness: "1s" },
      },
    },
    pipeline: [
      { from: "bids", filter: "price > 1000 AND channel <> 'Google'" },
      { select: ["auction", "price * 2 AS double_price", "dateTime"] },
      { keyBy: ["auction"] },
      { window: { type: "tumbling", size: "10s" }, aggregate: ["count(*) AS bids", "max(double_price) AS top"] },
      { filter: "bids >= 2" },
      { to: "out" },
    ],
    sinks: { out: { console: { maxRows: 10 } } },
    parallelism: 2,
    maxParallelism: 128,
    checkpointing: {
      interval: "10s",
      timeout: "1m",
      storage: "file:///tmp/sabot-fuzz",
      retain: 3,
      mode: "at-least-once",
    },
    restartStrategy: { maxRestarts: 3, initialBackoff: "1s", maxBackoff: "30s", multiplier: 2 },
  },
  {
    sources: {
      trades: {
        kafka: { bootstrapServers: ["kafka:9092"], topic: "trades", format: "json", startingOffsets: "earliest" },
        schema: [
          { name: "symbol", type: "utf8", dictionary: true },
          { name: "qty", type: "int64" },
          { name: "px", type: "float64", nullable: false },
          { name: "ts", type: "timestamp[ms]" },
        ],
        eventTime: { field: "ts", maxOutOfOrderness: "5s", idleTimeout: "30s" },
      },
    },
    pipeline: [
      { from: "trades", filter: "qty > 0 AND px BETWEEN 1 AND 1000", as: "valid" },
      { from: "valid", select: ["symbol", "CAST(qty AS DOUBLE) * px AS notional", "ts"] },
      { to: "files" },
    ],
    sinks: {
      files: { files: { path: "s3://bucket/trades", format: "parquet", rollSize: "64MiB", rollInterval: "5m" } },
    },
    resources: { cpu: "500m", memory: "1Gi" },
    autoscaler: { enabled: true, minParallelism: 1, maxParallelism: 8, targetUtilization: 0.7, metricWindow: "2m" },
    upgradeMode: "savepoint",
    savepointInterval: "1h",
    savepointRetain: 5,
  },
];

export function manifestText(spec: unknown): string {
  return yaml.dump(
    { apiVersion: "sabot.dev/v1alpha1", kind: "StreamJob", metadata: { name: "fuzz" }, spec },
    { lineWidth: -1, noRefs: true },
  );
}

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (v !== null && typeof v === "object")
    for (const [k, child] of Object.entries(v)) {
      const p = [...at, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      pathsOf(child, p, out);
    }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Json | undefined)?.[k as string], root);
}

/** Sets a value as JSON.parse would: `__proto__` becomes an own key, not the prototype. */
function setAt(root: Json, path: Path, value: unknown): Json {
  const parent = getAt(root, path.slice(0, -1)) as Json;
  Object.defineProperty(parent, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return root;
}

function objectPaths(spec: Json): Path[] {
  return [
    [],
    ...pathsOf(spec).filter((p) => {
      const v = getAt(spec, p);
      return v !== null && typeof v === "object" && !Array.isArray(v);
    }),
  ];
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const OTHER_VALUES: unknown[] = [42, -1, 3.5, "x", "", true, null, [], ["a"], { a: 1 }];

function nested(depth: number, list: boolean): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = list ? [v] : { a: v };
  return v;
}

function bigString(rng: Rng): string {
  return "y".repeat(rng.chance(0.8) ? rng.int(L.maxStringChars + 1, 200_000) : rng.int(200_000, 900_000));
}

/** A spec mutation: a fresh copy of a base spec, changed. */
type Mutate = (rng: Rng, spec: Json) => Json;

const NONNEGATIVE = [
  ["parallelism"],
  ["maxParallelism"],
  ["sources", "bids", "generator", "count"],
  ["sources", "bids", "generator", "batchSize"],
  ["sources", "bids", "generator", "partitions"],
  ["sources", "bids", "generator", "ratePerSecond"],
  ["sinks", "out", "console", "maxRows"],
  ["checkpointing", "retain"],
  ["restartStrategy", "maxRestarts"],
  ["savepointRetain"],
  ["autoscaler", "maxParallelism"],
];
const DURATIONS = [
  ["checkpointing", "interval"],
  ["checkpointing", "timeout"],
  ["restartStrategy", "initialBackoff"],
  ["sources", "bids", "eventTime", "maxOutOfOrderness"],
  ["pipeline", 3, "window", "size"],
  ["upgradeTimeout"],
  ["savepointTimeout"],
  ["savepointInterval"],
];
const BAD_DURATIONS = [
  "ten",
  "-5s",
  "1.5s",
  "5",
  "s",
  "",
  " 5s",
  "5s ",
  "5 s",
  "5S",
  "5sec",
  "5s\n",
  "99999999999999999999d",
  "25d",
  "2147483648ms",
  "1e3s",
  "0x10s",
  "５s",
  "596524h",
  "PT5S",
  "5m30s",
];
const BAD_SIZES = ["-5MiB", "5MB", "5 MiB", "1.5GiB", "1025GiB", "99999999999999999999B", "64mib", ""];
const PROTO_KEYS = ["__proto__", "constructor", "prototype"];

const SPEC_MUTATIONS: Record<string, Mutate> = {
  "wrong type": (rng, spec) => {
    const path = rng.pick(pathsOf(spec));
    const old = typeOf(getAt(spec, path));
    return setAt(spec, path, rng.pick(OTHER_VALUES.filter((v) => typeOf(v) !== old)));
  },
  "huge or non-finite number": (rng, spec) => {
    const numbers = pathsOf(spec).filter((p) => typeof getAt(spec, p) === "number");
    const path = numbers.length > 0 && rng.chance(0.8) ? rng.pick(numbers) : rng.pick(NONNEGATIVE);
    if (getAt(spec, path.slice(0, -1)) === undefined) return setAt(spec, ["parallelism"], Number.NaN);
    return setAt(
      spec,
      path,
      rng.pick([1e308, -1e308, 2 ** 53 + 2, -(2 ** 60), Number.MAX_VALUE, 1e21, Number.NaN, Infinity, -Infinity]),
    );
  },
  "negative size or count": (rng, spec) => {
    const path = rng.pick(NONNEGATIVE.filter((p) => getAt(spec, p.slice(0, -1)) !== undefined));
    return setAt(spec, path, rng.pick([-1, -(2 ** 31), -(2 ** 53 - 1), -0.5]));
  },
  "deep nesting": (rng, spec) => {
    const depth = rng.chance(0.7) ? rng.int(L.maxDepth + 1, 4 * L.maxDepth) : rng.int(1000, 100_000);
    const where = rng.chance(0.5) ? ["podTemplate"] : rng.pick(objectPaths(spec));
    if (where[0] === "podTemplate")
      return setAt(spec, ["podTemplate"], { spec: { affinity: { deep: nested(depth, rng.chance(0.5)) } } });
    return setAt(spec, [...where, "deep"], nested(depth, rng.chance(0.5)));
  },
  "unknown field": (rng, spec) => {
    const key = rng.pick([
      "paralelism",
      "x",
      "Spec",
      "",
      " ",
      "a.b",
      "é",
      "kind",
      "sabot.dev/x",
      "Z".repeat(rng.int(1, 300)),
    ]);
    return setAt(spec, [...rng.pick(objectPaths(spec)), key], rng.pick(["x", 1, null, [], {}]));
  },
  "huge string": (rng, spec) => {
    if (rng.chance(0.3))
      return setAt(spec, [...rng.pick(objectPaths(spec)), "k".repeat(rng.int(L.maxKeyChars + 1, 100_000))], "v");
    const strings = pathsOf(spec).filter((p) => typeof getAt(spec, p) === "string");
    return setAt(spec, rng.pick(strings), bigString(rng));
  },
  "prototype keys": (rng, spec) => {
    if (rng.chance(0.3)) {
      const ref = rng.pick([
        ["pipeline", 0, "from"],
        ["pipeline", Array.isArray(spec.pipeline) ? spec.pipeline.length - 1 : 0, "to"],
      ]);
      return setAt(spec, ref, rng.pick([...PROTO_KEYS, "toString", "hasOwnProperty", "valueOf"]));
    }
    return setAt(
      spec,
      [...rng.pick(objectPaths(spec)), rng.pick(PROTO_KEYS)],
      rng.pick([{ polluted: true }, { prototype: { polluted: true } }, "x"]),
    );
  },
  "invalid duration or size": (rng, spec) => {
    if (rng.chance(0.2))
      return setAt(spec, ["sinks", "big"], { files: { path: "/tmp/x", rollSize: rng.pick(BAD_SIZES) } });
    const path = rng.pick(DURATIONS.filter((p) => getAt(spec, p.slice(0, -1)) !== undefined));
    return setAt(spec, path, rng.pick(BAD_DURATIONS));
  },
  "hostile SQL expression": (rng, spec) => {
    const h = hostileSql(rng, rng.int(0, 10), { num: "qty", str: "symbol" }); // 0-10: the classes that must be refused
    const steps = spec.pipeline as Json[];
    const places = steps.flatMap((s, i): Path[] =>
      (["filter", "select", "aggregate"] as const)
        .filter((k) => k in s)
        .map((k) => (k === "filter" ? [i, k] : [i, k, 0])),
    );
    return setAt(spec, ["pipeline", ...rng.pick(places)], h.sql);
  },
};

export const SPEC_CLASSES = Object.keys(SPEC_MUTATIONS);

/** A spec mutation, as an object or as YAML text (both ways in are fuzzed). */
export function mutatedSpec(rng: Rng, cls: string): HostileManifest {
  const spec = SPEC_MUTATIONS[cls](rng, structuredClone(rng.pick(VALID_SPECS)));
  // A structure too deep for the YAML writer's recursion goes in as an object only.
  if (cls === "deep nesting" || rng.chance(0.5)) return { cls, spec, mustRefuse: true, at: "spec" };
  return { cls, text: manifestText(spec), mustRefuse: true, at: "spec" };
}

/** Classes only YAML text can carry: duplicate keys, aliases, tags, size, syntax. */
const TEXT_MAKERS: Record<string, (rng: Rng) => Omit<HostileManifest, "cls">> = {
  "deep nesting (YAML)": (rng) => {
    const d = rng.chance(0.5) ? rng.int(L.maxDepth + 1, 2 * L.maxDepth) : rng.int(2 * L.maxDepth, 400_000);
    const [open, close] = rng.pick([
      ["[", "]"],
      ["{a: ", "}"],
    ]);
    return {
      text: `${manifestText(VALID_SPECS[0])}  podTemplate:\n    spec:\n      affinity: ${open.repeat(d)}${close.repeat(d)}\n`,
      mustRefuse: true,
      at: "any",
    };
  },
  "duplicate key": (rng) => {
    const lines = manifestText(rng.pick(VALID_SPECS)).split("\n");
    const keyLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*[A-Za-z_][\w-]*:/.test(l));
    const [line, i] = rng.pick(keyLines);
    lines.splice(i + 1, 0, line.replace(/:.*$/, ": 1"));
    return { text: lines.join("\n"), mustRefuse: true, at: "manifest" };
  },
  "alias bomb": (rng) => {
    const width = rng.int(2, 12);
    const levels = Math.ceil(Math.log(2 * L.maxValues) / Math.log(width)) + rng.int(0, 4);
    const anchors = [`    a0: &a0 [${Array(width).fill('"lol"').join(", ")}]`];
    for (let i = 1; i <= levels; i++)
      anchors.push(
        `    a${i}: &a${i} [${Array(width)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    const where = rng.pick(["podTemplate:\n    spec:\n      affinity:", "sources:\n    bids:\n      schema:"]);
    const text = `apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: fuzz}\nspec:\n  x-anchors:\n${anchors.join("\n")}\n  ${where} *a${levels}\n`;
    return { text, mustRefuse: true, at: "spec" };
  },
  "oversized text": (rng) => ({
    text: `${manifestText(VALID_SPECS[0])}#${"x".repeat(L.maxChars + rng.int(0, 1_000_000))}\n`,
    mustRefuse: true,
    at: "manifest",
  }),
  "top-level nonsense": (rng) => ({
    text: rng.pick([
      "",
      "null",
      "42",
      "[1, 2]",
      "'just a string'",
      "apiVersion: v1\nkind: Pod\n",
      "---\na: 1\n---\nb: 2\n",
      manifestText(VALID_SPECS[0]).replace("StreamJob", "StreamJobs"),
      manifestText(VALID_SPECS[0]).replace("name: fuzz", "name: ''"),
      manifestText(VALID_SPECS[0]).replace("name: fuzz", `name: ${"n".repeat(300)}`),
      "apiVersion: sabot.dev/v1alpha1\nkind: StreamJob\nmetadata: {name: x}\nspec: [1]\n",
    ]),
    mustRefuse: true,
    at: "any",
  }),
  "unknown YAML tag": (rng) => {
    const tag = rng.pick([
      "!!js/function 'function () {}'",
      "!!js/regexp /x/",
      "!!binary aGVsbG8=",
      "!!timestamp 2001-12-14",
      "!!set {a, b}",
      "!!python/object:os.system x",
      "!custom 5",
    ]);
    return {
      text: manifestText(rng.pick(VALID_SPECS)).replace(
        /parallelism: \d+|upgradeMode: \w+/,
        (m) => `${m.split(":")[0]}: ${tag}`,
      ),
      mustRefuse: true,
      at: "manifest",
    };
  },
  "garbled YAML": (rng) => {
    let text = manifestText(rng.pick(VALID_SPECS));
    for (let n = rng.int(1, 5); n > 0; n--) {
      const at = rng.range(0, text.length);
      const edit = rng.int(0, 2);
      const junk = rng.pick([
        "{",
        "[",
        "&x ",
        "*x",
        "!",
        "|",
        ">",
        "%",
        "@",
        "\t",
        ":",
        "- ",
        "'",
        '"',
        "\u0000",
        "\ufeff",
        "<<: *x",
      ]);
      text =
        edit === 0
          ? text.slice(0, at)
          : edit === 1
            ? text.slice(0, at) + junk + text.slice(at)
            : text.slice(0, at) + text.slice(at + rng.int(1, 40));
    }
    return { text, mustRefuse: false, at: "any" };
  },
};

export const TEXT_CLASSES = Object.keys(TEXT_MAKERS);

export function hostileText(rng: Rng, cls: string): HostileManifest {
  return { cls, ...TEXT_MAKERS[cls](rng) };
}

import { Command, InvalidArgumentError } from "commander";
import { SpecError } from "../../runtime/contract/spec/errors.js";
import { DistributedConfigError } from "../../runtime/distributed/config.js";
import { tuneCollectorForJobs } from "../../runtime/engine/collector-tuning.js";

/**
 * A command that loads its module when it runs: `sabot --help` and `sabot operator` do not need
 * the engine, and loading the engine picks (and logs) its kernels.
 */
function lazy<A extends unknown[]>(load: () => Promise<(...args: A) => void | Promise<void>>) {
  return async (...args: A): Promise<void> => (await load())(...args);
}
/** A command whose process runs a job: V8's collector is set for that first (collector-tuning.ts). */
function jobCommand<A extends unknown[]>(load: () => Promise<(...args: A) => void | Promise<void>>) {
  return lazy(async () => {
    tuneCollectorForJobs();
    return load();
  });
}
const runCommand = jobCommand(async () => (await import("./run-command.js")).runCommand);
const uiCommand = lazy(async () => (await import("./ui-command.js")).uiCommand);
const coordinatorCommand = jobCommand(async () => (await import("./cluster-commands.js")).coordinatorCommand);
const workerCommand = jobCommand(async () => (await import("./cluster-commands.js")).workerCommand);
const sqlCommand = jobCommand(async () => (await import("./sql-command.js")).sqlCommand);
const explainCommand = lazy(async () => (await import("./explain-command.js")).explainCommand);
const savepointCommand = lazy(async () => (await import("./savepoint-command.js")).savepointCommand);

function positiveInt(v: string): string {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new InvalidArgumentError("expected a positive integer");
  return v;
}

const program = new Command().name("sabot").description("Run and inspect Sabot StreamJobs").showHelpAfterError();

program
  .command("run")
  .description("run a StreamJob manifest on this machine")
  .argument("<manifest>", "StreamJob YAML file")
  .option("--max-records <n>", "stop reading after n source records, then drain", positiveInt)
  .option("--duration <d>", "stop reading after this long (e.g. 30s), then drain")
  .option("-q, --quiet", "no progress lines")
  .option("-p, --parallelism <n>", "run as a coordinator and n worker processes on loopback", positiveInt)
  .option("--insecure", "with --parallelism: plaintext between the processes instead of mTLS with an ephemeral CA")
  .option("--metrics-port <port>", "serve Prometheus metrics on 127.0.0.1:<port>/metrics (one process only)")
  .option(
    "--ui-port <port>",
    'serve the web UI and its API (docs/ui.md) on 127.0.0.1:<port>; default a free port, "off" for none; --metrics-port, when given, serves both',
  )
  .action(runCommand);

program
  .command("coordinator")
  .description("run the coordinator of a distributed job (settings: SABOT_* variables, see docs/distributed.md)")
  .argument("<manifest>", "StreamJob YAML file")
  .option("--parallelism <n>", "number of workers (default: spec.parallelism)", positiveInt)
  .option("--port <port>", "Control API port (default 7070; 0 for any free port)")
  .option("--bind <address>", "address to listen on (default 127.0.0.1)")
  .option("--restore-from <url>", "checkpoint or savepoint folder to start from (also SABOT_RESTORE_FROM)")
  .option(
    "--tls-dir <dir>",
    "certificates for mTLS: ca.crt, tls.crt, tls.key (also SABOT_TLS_DIR; docs/distributed.md)",
  )
  .option("--insecure", "no TLS (also SABOT_TLS=off): for local development only")
  .action(coordinatorCommand);

program
  .command("savepoint")
  .description("take a savepoint of a running job and print its path")
  .argument("<coordinator>", "host:port of the job's coordinator")
  .option("--stop", "stop the job at the savepoint (its open windows stay in the savepoint)")
  .option("--timeout <d>", "how long to wait for it (default 10m)")
  .option(
    "--tls-dir <dir>",
    "certificates for mTLS: ca.crt, tls.crt, tls.key of a client certificate (also SABOT_TLS_DIR; docs/distributed.md)",
  )
  .option("--insecure", "no TLS (also SABOT_TLS=off): for local development only")
  .action(savepointCommand);

program
  .command("worker")
  .description("run one worker of a distributed job (settings: SABOT_* variables, see docs/distributed.md)")
  .option("--coordinator <host:port>", "the coordinator's Control API address")
  .option("--id <id>", "this worker's id (default hostname-pid)")
  .option("--port <port>", "exchange port (default: any free port)")
  .option("--bind <address>", "address to listen on (default 127.0.0.1)")
  .option(
    "--tls-dir <dir>",
    "certificates for mTLS: ca.crt, tls.crt, tls.key (also SABOT_TLS_DIR; docs/distributed.md)",
  )
  .option("--insecure", "no TLS (also SABOT_TLS=off): for local development only")
  .action(workerCommand);

program
  .command("ui")
  .description("port-forward to a StreamJob's web UI (docs/ui.md) and open it")
  .argument("<job>", "StreamJob name")
  .option("-n, --namespace <ns>", "namespace of the job (default: kubectl's current)")
  .option("--port <port>", "local port", "8081")
  .option("--no-open", "print the URL without opening a browser")
  .action(uiCommand);

program
  .command("operator")
  .description("run the Kubernetes operator (settings: SABOT_OPERATOR_* variables, see operator/main.ts)")
  .action(async () => {
    // Loaded only here: the engine's commands do not need the Kubernetes client.
    await import("../../operator/main.js");
  });

program
  .command("validate")
  .description("check a StreamJob manifest without running it")
  .argument("<manifest>", "StreamJob YAML file")
  .action(async (file: string) => {
    const { planFile } = await import("../../runtime/planner/validate.js");
    const { plan } = planFile(file);
    for (const [name, info] of plan.streams)
      console.log(`${name}: ${info.schema.fields.map((f) => `${f.name} ${String(f.type)}`).join(", ")}`);
    console.log(`${file}: valid`);
  });

program
  .command("explain")
  .description("print the plan of a StreamJob (YAML or spec.sql): chains, exchanges, state per operator")
  .argument("<manifest...>", "StreamJob YAML file, or .sql files read in order as one spec.sql (tables first)")
  .action(explainCommand);

program
  .command("sql")
  .description("run one SELECT over the tables of a SQL job (spec.sql or a .sql file) and print its rows")
  .argument("<tables>", "StreamJob YAML file with spec.sql, or a .sql file")
  .argument("<query>", 'a SELECT, e.g. "SELECT auction, price FROM bid WHERE price > 100"')
  .option("--max-records <n>", "stop reading after n source records, then drain", positiveInt)
  .option("--duration <d>", "stop reading after this long (e.g. 30s), then drain")
  .option("-q, --quiet", "no progress lines")
  .action(sqlCommand);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof SpecError || err instanceof DistributedConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient, grpc } from "../../../runtime/contract/rpc/loader.js";
import { issueCertificate } from "../../../runtime/contract/tls/certificates.js";
import { type TlsSetting, tlsFiles, writeJobTlsDirs } from "../../../runtime/contract/tls/files.js";
import { issueJobCertificates } from "../../../runtime/contract/tls/job-certificates.js";
import { encodeRequest } from "../../../runtime/distributed/exchange/wire.js";
import { exchangeOutcome } from "../../helpers/exchange-peer.js";

/**
 * mTLS on real processes: a `sabot coordinator` and a `sabot worker` with the certificates of one
 * job; clients without a certificate, with one of another job's CA, or with an expired one are
 * refused by both (the TLS handshake fails: UNAVAILABLE from the coordinator's gRPC, a closed
 * connection from the worker's exchange, and neither acts on what they sent), while the job's own
 * certificates are served.
 */
const root = fileURLToPath(new URL("../../../", import.meta.url));
const bin = join(root, "bin/sabot.js");
const dir = mkdtempSync(join(tmpdir(), "sabot-mtls-"));
const job = issueJobCertificates("mtls-job");
const other = issueJobCertificates("another-job");
const DAY = 86_400_000;
const expired = issueCertificate(job.ca, {
  commonName: "expired client",
  hosts: ["sabot-client"],
  usage: ["client"],
  notBefore: new Date(Date.now() - 3 * DAY),
  notAfter: new Date(Date.now() - DAY),
});

/** Each refused client trusts the job CA (so only the server can refuse) and presents something wrong. */
const refused: [string, TlsSetting][] = [
  ["no TLS at all", "insecure"],
  ["a certificate of another job's CA", { ...tlsFiles(job.ca.cert, other.client) }],
  ["an expired certificate of the job CA", tlsFiles(job.ca.cert, expired)],
];
const good = tlsFiles(job.ca.cert, job.client);
const UNAVAILABLE = grpc.status.UNAVAILABLE;

const procs: ChildProcess[] = [];
let coordinator = "";
let exchange = "";

beforeAll(async () => {
  const dirs = writeJobTlsDirs(join(dir, "tls"), job);
  const manifest = join(dir, "job.yaml");
  writeFileSync(
    manifest,
    [
      "apiVersion: sabot.dev/v1alpha1",
      "kind: StreamJob",
      "metadata: { name: mtls-job }",
      "spec:",
      "  sources: { bids: { generator: { kind: nexmark-bid, count: 1000 } } }",
      "  pipeline: [{ from: bids, filter: 'price > 0' }, { to: out }]",
      "  sinks: { out: { console: { maxRows: 1 } } }",
      "",
    ].join("\n"),
  );
  // Two workers expected, one started: the job waits for the second, so it stays up for the test.
  coordinator = await started(
    [bin, "coordinator", manifest, "--parallelism", "2", "--port", "0", "--tls-dir", dirs.coordinator],
    /listening on (\S+)/,
  );
  exchange = await started(
    [bin, "worker", "--coordinator", coordinator, "--port", "0", "--id", "w0", "--tls-dir", dirs.worker],
    /"address":"([^"]+)".*worker exchange listening/,
  );
}, 90_000);

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("mTLS between a job's processes", () => {
  it.each(refused)("the coordinator refuses a client with %s, and never acts on its CancelJob", async (_what, tls) => {
    const c = new ControlClient(coordinator, tls);
    try {
      await expect(c.cancelJob("attack", 3000)).rejects.toMatchObject({ code: UNAVAILABLE });
    } finally {
      c.close();
    }
    const ok = new ControlClient(coordinator, good);
    try {
      expect((await ok.getJobStatus()).state).not.toBe("CANCELED");
    } finally {
      ok.close();
    }
  });

  it.each([
    ["no certificate", {}, "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"],
    ["another job's CA", { cert: other.client.cert, key: other.client.key }, "closed"],
    ["an expired certificate", { cert: expired.cert, key: expired.key }, "closed"],
    ["the job's certificate", { cert: job.client.cert, key: job.client.key }, "served"],
  ])("at the TLS level, a client with %s is: %s", async (_what, pair, outcome) => {
    expect(await handshake(coordinator, pair, HTTP2_PREFACE)).toBe(outcome);
    // The exchange answers a credit before any hello with a refusal: any answer means it read it.
    const credit = encodeRequest({ request: "credit", credit: { edge: 0, credits: 1 } });
    expect(await handshake(exchange, pair, credit)).toBe(outcome);
  });

  it("the coordinator serves the job's own client certificate", async () => {
    const c = new ControlClient(coordinator, good);
    try {
      expect((await c.getJobStatus()).state).toBe("WAITING_FOR_WORKERS");
    } finally {
      c.close();
    }
  });

  it.each(refused)("a worker's exchange refuses a client with %s", async (_what, tls) => {
    const outcome = await exchangeOutcome(exchange, tls, [HELLO], { waitMs: 10_000 });
    expect(outcome).toMatchObject({ refusal: null, frames: [] });
    expect(outcome.ending).not.toBe("open");
  });

  it("a worker's exchange takes a stream from a client with the job's certificate", async () => {
    // The hello names an attempt not deployed yet: the server reads it and waits for that attempt.
    expect(await exchangeOutcome(exchange, tls(job.worker), [HELLO], { waitMs: 3000 })).toEqual({
      refusal: null,
      frames: [],
      ending: "open",
    });
  });

  it("a worker refuses an exchange server whose certificate is not a worker's", async () => {
    // The coordinator's port presents the coordinator certificate: the exchange client hangs up.
    const outcome = await exchangeOutcome(coordinator, tls(job.worker), [HELLO], { waitMs: 5000 });
    expect(outcome.ending).toMatch(/sabot-worker/);
  });

  it("a worker given neither certificates nor --insecure refuses to start and says what to give", () => {
    const r = spawnSync(process.execPath, [bin, "worker", "--coordinator", coordinator], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, SABOT_TLS: "", SABOT_TLS_DIR: "" },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the worker needs certificates: pass --tls-dir DIR or set SABOT_TLS_DIR/);
    expect(r.stderr).toMatch(/--insecure or SABOT_TLS=off/);
  });

  it("a client refuses a server whose certificate is not the role it dialled", async () => {
    // The worker's exchange port presents the worker certificate; as a coordinator it is refused.
    const c = new ControlClient(exchange, good);
    try {
      await expect(c.getJobStatus(3000)).rejects.toMatchObject({ code: UNAVAILABLE });
    } finally {
      c.close();
    }
  });
});

const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const HELLO = { request: "hello" as const, hello: { jobName: "mtls-job", attempt: 7, toSubtask: 0 } };

/**
 * A raw TLS connection (ALPN h2 as gRPC asks for it, trusting the job CA) that sends `probe`:
 * "served" when the server answers (gRPC's SETTINGS frame, the exchange's refusal), "closed" when
 * it hangs up without a byte, or the code of the TLS alert that ended it.
 */
function handshake(address: string, pair: { cert?: string; key?: string }, probe: Uint8Array): Promise<string> {
  const at = address.lastIndexOf(":");
  return new Promise((resolve) => {
    const socket = connect({
      host: address.slice(0, at),
      port: Number(address.slice(at + 1)),
      ca: job.ca.cert,
      ALPNProtocols: ["h2"],
      checkServerIdentity: () => undefined,
      ...pair,
    });
    const end = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => end("no answer"), 5000);
    socket.on("data", () => end("served"));
    socket.on("error", (err: NodeJS.ErrnoException) => end(err.code ?? err.message));
    socket.on("close", () => end("closed"));
    // TLS 1.3: the client's side completes first; the server's verdict on the client comes after.
    socket.on("secureConnect", () => socket.write(probe));
  });
}

function tls(pair: { cert: string; key: string }): TlsSetting {
  return tlsFiles(job.ca.cert, pair);
}

/** Starts a process and resolves with the first group of `pattern` in its output. */
function started(args: string[], pattern: RegExp): Promise<string> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, SABOT_LOG_LEVEL: "info", SABOT_TLS: "", SABOT_TLS_DIR: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  procs.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[1]} did not start in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${args[1]} exited ${code}:\n${out}`)));
  });
}

import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { uiCommand } from "../../../bin/cli/ui-command.js";
import { tempDirEach } from "../../helpers/temp-dir.js";

/** `sabot ui <job>` with a stand-in kubectl on PATH that records its arguments. */

let dir: string;
tempDirEach("sabot-ui-cmd-", (d) => (dir = d));
const path = process.env.PATH;
afterEach(() => {
  process.env.PATH = path;
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function fakeKubectl(script: string): Promise<void> {
  const file = join(dir, "kubectl");
  await writeFile(file, `#!/bin/sh\necho "$@" > ${JSON.stringify(join(dir, "args"))}\n${script}\n`);
  await chmod(file, 0o755);
  process.env.PATH = `${dir}:${path}`;
}

describe("sabot ui", () => {
  it("port-forwards to the coordinator Service's ui port and prints the local URL", async () => {
    await fakeKubectl('echo "Forwarding from 127.0.0.1:9999 -> 8081"; exit 0');
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await uiCommand("orders", { namespace: "prod", port: "9999", open: false });
    expect((await readFile(join(dir, "args"), "utf8")).trim()).toBe(
      "port-forward -n prod svc/orders-coordinator 9999:ui",
    );
    expect(err.mock.calls.map((c) => String(c[0])).join("")).toContain("web UI of orders: http://127.0.0.1:9999/");
    expect(process.exitCode).toBeUndefined();
  });

  it("says what to check and exits 1 when the port-forward fails", async () => {
    await fakeKubectl('echo "services not found" >&2; exit 1');
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await uiCommand("orders", { open: false });
    expect(err.mock.calls.map((c) => String(c[0])).join("")).toMatch(
      /svc\/orders-coordinator failed .*current namespace/,
    );
    expect(process.exitCode).toBe(1);
  });
});

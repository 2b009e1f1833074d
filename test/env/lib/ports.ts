import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports already handed out by this process, so that services started in parallel never get the
 * same one.
 */
const handedOut = new Set<number>();

/**
 * Where the kernel's ephemeral ports start (the local ports of outgoing connections, and of
 * listen(0)). A port taken from that range can be grabbed by any outgoing connection between the
 * moment it is found free and the moment the server that gets it binds, which for a process that
 * first has to start takes seconds: a worker then fails with EADDRINUSE. Ports below it are never
 * handed out by the kernel on its own.
 */
function ephemeralStart(): number {
  try {
    const [lo] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && lo > 12_000) return lo;
  } catch {
    // Not Linux: use the IANA start of the dynamic range.
  }
  return 49_152;
}

const LOW = 10_000;
const HIGH = ephemeralStart();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port for a server that a test starts, chosen at random below the ephemeral
 * range and checked by binding it. Two test runs on one machine never collide because every
 * server gets its port this way instead of a fixed number.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port found between ${LOW} and ${HIGH}`);
}

import { createServer } from "node:net";

/**
 * Ports already handed out by this process. Between freePort() returning and the server binding,
 * the kernel may hand the same port out again; services started in parallel would then collide.
 */
const handedOut = new Set<number>();

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Asks the kernel for a free loopback port. Two test runs on one machine never collide because
 * every server gets its port this way instead of a fixed number.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

import { createServer } from "node:net";

/**
 * Asks the kernel for a free loopback port. Two test runs on one machine never collide because
 * every server gets its port this way instead of a fixed number.
 */
export function freePort(): Promise<number> {
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

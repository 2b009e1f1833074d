import {
  createServer as createTcpServer,
  type OnReadOpts,
  type Server,
  type Socket,
  connect as tcpConnect,
} from "node:net";
import {
  type ConnectionOptions,
  createSecureContext,
  createServer as createTlsServer,
  type SecureContext,
  connect as tlsConnect,
} from "node:tls";
import type { TlsFiles, TlsSetting } from "../../contract/tls/files.js";
import { ROLE_NAMES } from "../../contract/tls/job-certificates.js";

/**
 * Where exchange connections come from: a worker listens on its exchange port and every other
 * worker dials it. With TLS on, both ends present the job's worker certificate and accept only
 * a peer whose certificate the job CA signed (the server checks the client's chain; the client
 * also checks that the server's certificate names the worker role, not the dialled address: see
 * runtime/contract/tls/job-certificates.ts). A peer without one fails the handshake and no frame
 * of it is read.
 */

/** A handshake that has not finished after this long is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** One TLS context per set of certificates: a worker dials every other worker for each attempt. */
const contexts = new WeakMap<TlsFiles, SecureContext>();
function contextOf(tls: TlsFiles): SecureContext {
  let c = contexts.get(tls);
  if (!c) {
    c = createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key });
    contexts.set(tls, c);
  }
  return c;
}

export interface ExchangeListener {
  port: number;
  /** Stops accepting; connections still open after `graceMs` are dropped. */
  close(graceMs: number): Promise<void>;
}

/** Listens on host:port (0: any free port); `accept` gets each connection once it is secured. */
export function listenExchange(
  host: string,
  port: number,
  tls: TlsSetting,
  accept: (socket: Socket) => void,
  onHandshakeError: (err: Error) => void = () => {},
): Promise<ExchangeListener> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    accept(socket);
  };
  let server: Server;
  if (tls === "insecure") server = createTcpServer(track);
  else {
    server = createTlsServer(
      {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        requestCert: true,
        rejectUnauthorized: true,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      },
      track,
    );
    server.on("tlsClientError", onHandshakeError);
  }
  return new Promise((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`, { cause: err })),
    );
    server.listen(port, host, () => {
      const bound = (server.address() as { port: number }).port;
      resolve({
        port: bound,
        close: (graceMs) =>
          new Promise<void>((done) => {
            server.close(() => done());
            const drop = () => {
              for (const s of open) s.destroy();
            };
            if (graceMs > 0 && open.size > 0) setTimeout(drop, graceMs).unref();
            else drop();
          }),
      });
    });
  });
}

/**
 * "host:port", "[v6]:port" or a bare "v6:port" (a pod's IPv6 address as `$(POD_IP):7071` makes
 * it) as host and port: the port is what follows the last colon.
 */
export function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^(.+):(\d+)$/.exec(address);
  const port = Number(m?.[2]);
  if (!m || port > 65_535) throw new Error(`an exchange address must be host:port, not "${address}"`);
  return { host: m[1]!, port };
}

/**
 * Dials a worker's exchange port; the socket emits "error" when that fails. With `onread`, what
 * arrives goes into the buffers it gives (cleartext, under TLS) instead of "data" events.
 */
export function dialExchange(address: string, tls: TlsSetting, onread?: OnReadOpts): Socket {
  const { host, port } = splitAddress(address);
  if (tls === "insecure") return tcpConnect({ host, port, onread });
  // Node documents `onread` for tls.connect too; its type declarations leave it out.
  const options: ConnectionOptions & { onread?: OnReadOpts } = {
    host,
    port,
    onread,
    secureContext: contextOf(tls),
    servername: ROLE_NAMES.worker,
  };
  const socket = tlsConnect(options);
  const timer = setTimeout(
    () => socket.destroy(new Error(`no TLS handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`)),
    HANDSHAKE_TIMEOUT_MS,
  );
  socket.once("secureConnect", () => clearTimeout(timer));
  socket.once("close", () => clearTimeout(timer));
  return socket;
}

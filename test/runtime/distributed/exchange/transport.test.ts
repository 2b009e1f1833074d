import { describe, expect, it } from "vitest";
import { splitAddress } from "../../../../runtime/distributed/exchange/transport.js";

describe("exchange addresses", () => {
  it.each([
    ["10.0.0.7:7071", "10.0.0.7", 7071],
    ["orders-workers-0.orders-workers.ns.svc:7071", "orders-workers-0.orders-workers.ns.svc", 7071],
    ["[fd00::7]:7071", "fd00::7", 7071],
    // $(POD_IP):7071 with an IPv6 pod address: the port follows the last colon.
    ["fd00::7:7071", "fd00::7", 7071],
  ])("reads %s as host and port", (address, host, port) => {
    expect(splitAddress(address)).toEqual({ host, port });
  });

  it.each(["10.0.0.7", "10.0.0.7:", ":7071", "host:99999", "host:port"])("refuses %s, saying what it wants", (a) => {
    expect(() => splitAddress(a)).toThrow(/an exchange address must be host:port/);
  });
});

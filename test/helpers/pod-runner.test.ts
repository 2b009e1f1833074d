import { describe, expect, it } from "vitest";
import { expandVars } from "./pod-runner.js";

describe("pod runner environment", () => {
  it("expands $(VAR) like the kubelet: known names, $$ escapes, unknown references kept", () => {
    const env = { POD_IP: "127.0.0.1", PORT: "7071" };
    expect(expandVars("$(POD_IP):$(PORT)", env)).toBe("127.0.0.1:7071");
    expect(expandVars("$$(POD_IP)", env)).toBe("$(POD_IP)");
    expect(expandVars("$(MISSING)-x", env)).toBe("$(MISSING)-x");
  });
});

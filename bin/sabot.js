#!/usr/bin/env node
// Runs the TypeScript sources through tsx so a clone works without a build step; the container
// image runs the compiled dist/ instead.
import { register } from "tsx/esm/api";

register();
await import("./cli/main.ts");

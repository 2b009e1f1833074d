import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "./cache.js";

/**
 * The docker CLI of Debian's docker.io, which matches its 20.10 daemon and has BuildKit built in;
 * a newer CLI elsewhere on PATH may lack the buildx plugin it would need to build.
 */
export const DOCKER = "/usr/bin/docker";

/** Sabot's image as the last `test/env/build/image.sh` built it. */
export interface SabotImage {
  /** Content tag, e.g. `sabot:0baa3fee2472` (containerd names it docker.io/library/sabot:…). */
  ref: string;
  /** `docker save` of the image, for `ctr -n k8s.io images import`. */
  tarball: string;
  /** Image config digest, `sha256:…`. */
  id: string;
}

export class SabotImageMissingError extends Error {
  constructor(detail: string) {
    super(
      `${detail}. Build the image with \`npm run env:build\` (or \`bash test/env/build/image.sh\`, as root, with docker.io and debootstrap from .ci/system-packages.sh); its log is ${join(cacheRoot(), "build-logs", "image.log")}`,
    );
    this.name = "SabotImageMissingError";
  }
}

/** Where image.sh records the image: bash-sourceable KEY=VALUE lines, # comments. */
export function sabotImageFile(): string {
  return join(cacheRoot(), "images", "sabot-image.env");
}

export function sabotImage(): SabotImage {
  const file = sabotImageFile();
  if (!existsSync(file)) throw new SabotImageMissingError(`no Sabot image has been built (${file} is missing)`);
  const values = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) values.set(m[1], m[2]);
  }
  const get = (key: string): string => {
    const v = values.get(key);
    if (!v) throw new SabotImageMissingError(`${file} has no ${key}`);
    return v;
  };
  const image: SabotImage = { ref: get("SABOT_IMAGE"), tarball: get("SABOT_IMAGE_TARBALL"), id: get("SABOT_IMAGE_ID") };
  if (!existsSync(image.tarball))
    throw new SabotImageMissingError(`the saved image ${image.tarball} named in ${file} is missing`);
  return image;
}

import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../../lib/cache.js";
import { version } from "../../lib/versions.js";

/**
 * Where the real node keeps its state. Unlike the other services these are fixed machine-wide
 * paths, not folders of the run: the node's bridge, address, iptables chains and node name are
 * machine-wide anyway (one real node per machine), and fixed paths let a later run find and clean
 * what a crashed one left behind without knowing its run folder. Short paths also keep unix
 * sockets under the 108-byte limit.
 */
export const NODE_PATHS = {
  /** Persistent state: kubelet root, containerd root, pod logs, IPAM leases. */
  lib: "/var/lib/sabot-testenv-node",
  /** Runtime state: containerd state and socket, CNI config, the owner record. */
  run: "/run/sabot-testenv-node",
} as const;

export const nodePaths = {
  kubeletRoot: join(NODE_PATHS.lib, "kubelet"),
  containerdRoot: join(NODE_PATHS.lib, "containerd"),
  podLogs: join(NODE_PATHS.lib, "pod-logs"),
  cniIpam: join(NODE_PATHS.lib, "cni-ipam"),
  containerdState: join(NODE_PATHS.run, "containerd"),
  containerdSocket: join(NODE_PATHS.run, "containerd.sock"),
  cniConfDir: join(NODE_PATHS.run, "cni", "net.d"),
  /** Who runs the node now: see owner.ts. */
  owner: join(NODE_PATHS.run, "owner.json"),
} as const;

/** Debian's containernetworking-plugins (.ci/system-packages.sh). */
export const CNI_BIN_DIR = "/usr/lib/cni";

/** Places the kubelet, containerd and CNI write to whatever roots they are given; cleaned by teardown. */
export const FOREIGN_PATHS = {
  devicePlugins: "/var/lib/kubelet/device-plugins",
  kubeletDefaultRoot: "/var/lib/kubelet",
  containerLogLinks: "/var/log/containers",
  /** libcni's result cache; containerd 1.6 offers no setting for it. */
  cniCache: "/var/lib/cni/results",
  /** containerd 1.6's CRI creates pod network namespaces here, whatever its state folder. */
  netns: "/run/netns",
} as const;

export interface NodeBinaries {
  kubelet: string;
  kubeProxy: string;
  coredns: string;
  containerd: string;
  ctr: string;
  runc: string;
}

/** Paths of the node's binaries, or an error that says which are missing and how to get them. */
export function nodeBinaries(): NodeBinaries {
  const root = cacheRoot();
  const kube = join(root, `kube-${version("KUBERNETES_VERSION")}`, "bin");
  const built = {
    kubelet: join(kube, "kubelet"),
    kubeProxy: join(kube, "kube-proxy"),
    coredns: join(root, `coredns-${version("COREDNS_VERSION")}`, "bin", "coredns"),
  };
  const system = { containerd: "/usr/bin/containerd", ctr: "/usr/bin/ctr", runc: "/usr/sbin/runc" };
  const missingBuilt = Object.values(built).filter((p) => !existsSync(p));
  const missingSystem = Object.values(system).filter((p) => !existsSync(p));
  if (missingBuilt.length > 0 || missingSystem.length > 0) {
    throw new Error(
      "the real node's binaries are missing:" +
        (missingBuilt.length
          ? `\n  ${missingBuilt.join(", ")}: run \`npm run env:build\` (test/env/build/kube.sh)`
          : "") +
        (missingSystem.length
          ? `\n  ${missingSystem.join(", ")}: run .ci/system-packages.sh (Debian's docker.io)`
          : ""),
    );
  }
  return { ...built, ...system };
}

/** The locally built node images (test/env/build/node-images.sh): docker archives and their references. */
export function nodeImages(): { pause: LocalImage; busybox: LocalImage } {
  const v = version("NODE_IMAGES_VERSION");
  const dir = join(cacheRoot(), `node-images-${v}`);
  const image = (name: string): LocalImage => ({ ref: `sabot.local/${name}:${v}`, archive: join(dir, `${name}.tar`) });
  const images = { pause: image("pause"), busybox: image("busybox") };
  const missing = Object.values(images).filter((i) => !existsSync(i.archive));
  if (missing.length > 0) {
    throw new Error(
      `the real node's images are missing (${missing.map((i) => i.archive).join(", ")}): ` +
        "run `npm run env:build` (test/env/build/node-images.sh)",
    );
  }
  return images;
}

/** An image as a docker-archive tarball (`docker save` format) and the reference it is tagged with. */
export interface LocalImage {
  ref: string;
  archive: string;
}

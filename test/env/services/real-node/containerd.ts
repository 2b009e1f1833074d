import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess, startServer } from "../../lib/process.js";
import { host } from "./host.js";
import { CNI_BIN_DIR, type LocalImage, type NodeBinaries, nodePaths } from "./paths.js";

/** The Kubernetes namespace of containerd: where the CRI plugin looks for images. */
export const CRI_NAMESPACE = "k8s.io";

/**
 * A containerd of the node's own, beside Docker's (which Debian ships with CRI disabled and which
 * the image build uses): own config, root, state and socket.
 */
function containerdConfig(bin: NodeBinaries, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${nodePaths.containerdRoot}"
state = "${nodePaths.containerdState}"
# Snapshotters this machine cannot use would only log errors at every start.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${nodePaths.containerdSocket}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(nodePaths.containerdRoot, "opt")}"

[${cri}]
  # No registry is reachable: the sandbox image is the locally built pause image.
  sandbox_image = "${sandboxImage}"
  # Root here lacks the capability to lower oom_score_adj; without this runc fails every sandbox
  # ("can't get final child's PID from pipe" after "failed to update /proc/self/oom_score_adj").
  restrict_oom_score_adj = true
  disable_apparmor = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  # cgroup v1 with the cgroupfs driver, matching the kubelet's cgroupDriver.
  SystemdCgroup = false
  BinaryName = "${bin.runc}"

[${cri}.cni]
  bin_dir = "${CNI_BIN_DIR}"
  conf_dir = "${nodePaths.cniConfDir}"
  max_conf_num = 1
`;
}

/** `ctr` arguments that talk to the node's containerd in the CRI namespace. */
export function ctrArgs(): string[] {
  return ["--address", nodePaths.containerdSocket, "--namespace", CRI_NAMESPACE];
}

export async function startContainerd(
  bin: NodeBinaries,
  sandboxImage: string,
  ctx: { runDir: string; logDir: string },
): Promise<ServerProcess> {
  for (const dir of [nodePaths.containerdRoot, nodePaths.containerdState]) mkdirSync(dir, { recursive: true });
  const config = join(ctx.runDir, "node", "containerd.toml");
  mkdirSync(join(ctx.runDir, "node"), { recursive: true });
  writeFileSync(config, containerdConfig(bin, sandboxImage));
  return startServer({
    name: "containerd",
    cmd: bin.containerd,
    args: ["--config", config, "--log-level", "warn"],
    logDir: ctx.logDir,
    ready: async () => {
      await host(bin.ctr, [...ctrArgs(), "version"], { timeoutMs: 5_000 });
      return true;
    },
    timeoutMs: 30_000,
  });
}

/**
 * Imports a docker-archive tarball (`docker save` output, or test/env/build/node-images.sh's)
 * into the node's containerd, where the kubelet finds it by its tag: pods then use it with
 * `imagePullPolicy: IfNotPresent` (or Never), since no registry is reachable.
 */
export async function importImageArchive(ctr: { cmd: string; args: string[] }, archive: string): Promise<void> {
  await host(ctr.cmd, [...ctr.args, "images", "import", "--snapshotter", "overlayfs", archive], { timeoutMs: 300_000 });
}

/**
 * The name containerd stores a docker-archive's tag under: Docker's short names get their
 * implied registry and repository (`sabot:1` is `docker.io/library/sabot:1`); the kubelet
 * normalizes a pod's image the same way, so a pod may use either.
 */
export function normalizedRef(ref: string): string {
  const [first, ...rest] = ref.split("/");
  const hasRegistry = rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return ref;
  return rest.length === 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}

/** Imports the locally built images the node needs and checks they are listed under their tags. */
export async function importLocalImages(bin: NodeBinaries, images: LocalImage[]): Promise<void> {
  for (const image of images) await importImageArchive({ cmd: bin.ctr, args: ctrArgs() }, image.archive);
  const listed = (await host(bin.ctr, [...ctrArgs(), "images", "list", "--quiet"])).split("\n");
  const missing = images.filter((i) => !listed.includes(normalizedRef(i.ref)));
  if (missing.length > 0) {
    throw new Error(
      `containerd did not list ${missing.map((i) => i.ref).join(", ")} after importing it; listed:\n${listed}`,
    );
  }
}

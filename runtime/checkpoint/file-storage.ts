import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { type CheckpointStorage, checkKey, type StoredObject } from "./storage.js";

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === "ENOENT";

/**
 * Checkpoint storage in a local folder (`file://`), for single-machine runs and tests. Objects are
 * written to a hidden temporary file next to their final name and renamed into place, so a crash
 * never leaves a partial object under its real name. Leftover temporary files are listed like any
 * object, so retention deletes them with their checkpoint.
 */
export class FileCheckpointStorage implements CheckpointStorage {
  manifestKey?: Uint8Array;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split("/"));
  }

  describe(key: string): string {
    return `file://${this.path(key)}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const final = this.path(key);
    const temp = join(dirname(final), `.${key.split("/").pop()}.${randomBytes(4).toString("hex")}.tmp`);
    await mkdir(dirname(final), { recursive: true });
    try {
      await writeFile(temp, bytes);
      await rename(temp, final);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    // Walk from the deepest folder the prefix names, then filter on the full key.
    const slash = prefix.lastIndexOf("/");
    const start = slash < 0 ? this.root : join(this.root, ...checkKey(prefix.slice(0, slash)).split("/"));
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile()) {
          const key = relative(this.root, full).split(sep).join("/");
          if (!key.startsWith(prefix)) continue;
          try {
            out.push({ key, size: (await stat(full)).size });
          } catch (err) {
            if (!isMissing(err)) throw err; // deleted while listing
          }
        }
      }
    };
    await walk(start);
    return out;
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const path = this.path(key);
      await rm(path, { force: true });
      dirs.add(dirname(path));
    }
    // Remove folders left empty (chk-<id>/state/...), deepest first, never the root itself.
    const sorted = [...dirs].sort((a, b) => b.length - a.length);
    for (let dir of sorted) {
      while (dir.startsWith(this.root + sep)) {
        try {
          await rmdir(dir);
        } catch {
          break; // not empty, or already gone
        }
        dir = dirname(dir);
      }
    }
  }
}

import { randomBytes } from "node:crypto";
import type { RecordBatch } from "apache-arrow";
import type { Logger } from "../../log.js";
import type { ConnectorContext, Sink } from "../connector.js";
import type { FilesConfig } from "./config.js";
import { batchBytes, encodeFile } from "./file-format.js";
import { s3ClientFromEnv } from "./s3.js";
import { type FileStore, LocalStore, S3Store, type StagedFile } from "./storage.js";

/**
 * Writes Parquet or Arrow IPC files to a local folder or S3. Batches of the current file are kept
 * in memory until it rolls (rollSize of Arrow data, or rollInterval since its first batch), then
 * the file is encoded, staged where no reader looks and committed (renamed / upload completed).
 * flush() rolls the current file, so after it returns every row written so far is in a committed
 * file. Files are named part-<subtask>-<run id>-<sequence>.<parquet|arrow>: unique across subtasks
 * and restarts, so a retried write never overwrites a committed file.
 */
export class FilesSink implements Sink {
  private batches: RecordBatch[] = [];
  private bytes = 0;
  private openedAt = 0;
  private seq = 0;
  private readonly runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  private readonly staged: StagedFile[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private timer: NodeJS.Timeout | null = null;
  private store: FileStore | null;
  private readonly log: Logger;
  /** Files committed so far (for tests and logs). */
  readonly committed: string[] = [];

  constructor(
    private readonly config: FilesConfig,
    private readonly ctx: Pick<ConnectorContext, "subtask" | "log">,
    store?: FileStore,
  ) {
    this.store = store ?? null;
    this.log = ctx.log;
  }

  async open(): Promise<void> {
    const t = this.config.target;
    this.store ??= t.kind === "local" ? new LocalStore(t.dir) : new S3Store(s3ClientFromEnv(), t.bucket, t.prefix);
    // Rolling by time must not wait for the next write: a quiet stream still gets its file.
    const every = Math.max(10, Math.min(1000, this.config.rollIntervalMs / 4));
    this.timer = setInterval(() => this.rollIfDue(), every);
    this.timer.unref();
  }

  async write(batch: RecordBatch): Promise<void> {
    if (this.failure) throw this.failure;
    if (batch.numRows === 0) return;
    if (this.batches.length === 0) this.openedAt = Date.now();
    this.batches.push(batch);
    this.bytes += batchBytes(batch);
    if (this.bytes >= this.config.rollBytes) await this.serial(() => this.roll());
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    await this.serial(() => this.roll());
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private rollIfDue(): void {
    if (this.batches.length === 0 || Date.now() - this.openedAt < this.config.rollIntervalMs) return;
    this.serial(() => this.roll()).catch((err: unknown) => {
      this.failure ??= err as Error;
    });
  }

  /** Rolls and commits one after another, never interleaved. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  /** Closes the current file: encode, stage, commit. */
  private async roll(): Promise<void> {
    const batches = this.batches;
    if (batches.length > 0) {
      this.batches = [];
      this.bytes = 0;
      const rows = batches.reduce((s, b) => s + b.numRows, 0);
      const ext = this.config.format === "parquet" ? "parquet" : "arrow";
      const name = `part-${this.ctx.subtask}-${this.runId}-${String(this.seq++).padStart(5, "0")}.${ext}`;
      const bytes = encodeFile(batches, this.config.format);
      this.staged.push(await this.store!.stage(name, bytes));
      this.log.debug({ file: this.store!.describe(name), rows, bytes: bytes.length }, "file staged");
    }
    // At-least-once: staged files are committed right away. An exactly-once sink would keep them
    // staged until the checkpoint that covers them completes.
    while (this.staged.length > 0) {
      const f = this.staged[0];
      await f.commit();
      this.staged.shift();
      this.committed.push(f.name);
      this.log.info({ file: this.store!.describe(f.name) }, "file committed");
    }
  }
}

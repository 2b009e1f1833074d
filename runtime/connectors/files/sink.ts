import { randomBytes } from "node:crypto";
import type { RecordBatch } from "apache-arrow";
import { s3ClientFromEnv } from "../../contract/storage/s3-client.js";
import type { Logger } from "../../log.js";
import type { ConnectorContext, Sink } from "../connector.js";
import { TwoPhaseSink } from "../two-phase-sink.js";
import type { FilesConfig } from "./config.js";
import { batchBytes, encodeFile } from "./file-format.js";
import { groupByPartition } from "./partitions.js";
import { type FileStore, LocalStore, S3Store, type StagedFile } from "./storage.js";

/**
 * Writes Parquet or Arrow IPC files to a local folder or S3. Batches of the current file are kept
 * in memory until it rolls (rollSize of Arrow data, or rollInterval since its first batch), then
 * the file is encoded, staged where no reader looks and committed (renamed / upload completed).
 * flush() rolls the current file, so after it returns every row written so far is in a committed
 * file. Files are named part-<subtask>-<run id>-<sequence>.<parquet|arrow>: unique across subtasks
 * and restarts, so a retried write never overwrites a committed file.
 *
 * Exactly-once (ctx.exactlyOnce, with checkpoints): rows are held until a checkpoint's cut, where
 * they become one staged file named after the checkpoint, part-<subtask>-chk-<id>; it is committed
 * (renamed, upload completed) when the checkpoint completes. A file per checkpoint and subtask
 * makes the commit a single atomic step, and its name records which checkpoint's output is
 * visible (committedCheckpoint), so a redo after a crash (recommit) is idempotent. When a
 * checkpoint fails, its staged file is dropped and its rows go with the next checkpoint's file.
 * Rolling by size and time does not apply in this mode: a file holds one checkpoint interval.
 *
 * Partitioned (config.partitionBy): each file's rows go to Hive-style directories by the values of
 * those columns (`dt=2026-12-06/hm=13%3A30/part-...`), without the columns themselves, one file per
 * directory per roll (or per checkpoint). A checkpoint's files in several directories cannot be
 * committed in one step, so exactly-once adds a marker, `_committed/part-<subtask>-chk-<id>.committed`,
 * committed after them: it is what committedCheckpoint reads, and a redo commits only the files of
 * that checkpoint that are not there yet.
 */
/** Where a partitioned exactly-once sink's checkpoint markers go (readers skip `_` folders). */
const MARKERS = "_committed";

export class FilesSink extends TwoPhaseSink implements Sink {
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
    private readonly ctx: Pick<ConnectorContext, "subtask" | "log" | "exactlyOnce">,
    store?: FileStore,
  ) {
    super();
    this.store = store ?? null;
    this.log = ctx.log;
    if (ctx.exactlyOnce) this.twoPhase();
  }

  // ---- exactly-once (see the class comment): the two-phase methods come from TwoPhaseSink ----
  private prepared: { id: number; files: StagedFile[]; rows: RecordBatch[] } | null = null;
  /** Resolves when the prepared file is committed or dropped. */
  private settled: Promise<void> = Promise.resolve();
  private settle: () => void = () => {};

  private checkpointFile(id: number): string {
    return `part-${this.ctx.subtask}-chk-${String(id).padStart(10, "0")}.${this.config.format === "parquet" ? "parquet" : "arrow"}`;
  }

  private get partitioned(): boolean {
    return this.config.partitionBy.length > 0;
  }

  /**
   * A checkpoint's files, staged: one file, or one per partition directory and the marker last.
   * `redo`: files of this checkpoint already committed (before a crash) are not staged again.
   */
  private async stageCheckpoint(id: number, rows: RecordBatch[], redo = false): Promise<StagedFile[]> {
    const name = this.checkpointFile(id);
    if (!this.partitioned) return [await this.store!.stage(name, encodeFile(rows, this.config.format))];
    const files: StagedFile[] = [];
    for (const [dir, part] of groupByPartition(rows, this.config.partitionBy)) {
      const path = `${dir}/${name}`;
      if (redo && (await this.store!.list(path)).includes(path)) continue;
      files.push(await this.store!.stage(path, encodeFile(part, this.config.format)));
    }
    files.push(await this.store!.stage(`${MARKERS}/${name.replace(/\.\w+$/, ".committed")}`, new Uint8Array(0)));
    return files;
  }

  /** Commits staged files in order (a checkpoint's marker is last). */
  private async commitFiles(files: StagedFile[]): Promise<void> {
    for (const f of files) {
      await f.commit();
      this.committed.push(f.name);
    }
  }

  private twoPhase(): void {
    this.prepareCheckpoint = (id) =>
      this.serial(async () => {
        if (this.prepared) throw new Error(`checkpoint ${id} prepared while ${this.prepared.id} awaits its commit`);
        const rows = this.batches;
        this.batches = [];
        this.bytes = 0;
        const files = await this.stageCheckpoint(id, rows);
        this.prepared = { id, files, rows };
        this.settled = new Promise((r) => (this.settle = r));
      });
    this.commitCheckpoint = (id) =>
      this.serial(async () => {
        const p = this.prepared;
        if (!p || p.id !== id) throw new Error(`checkpoint ${id} was not prepared (prepared: ${p?.id ?? "none"})`);
        await this.commitFiles(p.files);
        this.prepared = null;
        this.settle();
        const last = p.files[p.files.length - 1].name;
        this.log.info({ file: this.store!.describe(last), files: p.files.length, checkpoint: id }, "file committed");
      });
    // Behind a prepare still in flight (a slow commit before it), so that the failed checkpoint's
    // prepare cannot land after this and be left waiting for a commit that never comes.
    this.checkpointFailed = (id) => {
      this.serial(async () => {
        const p = this.prepared;
        if (!p || p.id !== id) return;
        this.prepared = null;
        this.settle();
        this.batches = [...p.rows, ...this.batches];
        await Promise.all(p.files.map((f) => f.abort()));
      }).catch((err: unknown) => this.log.warn({ err }, "dropping a staged file failed"));
    };
    this.committedCheckpoint = async () => {
      const prefix = `${this.partitioned ? `${MARKERS}/` : ""}part-${this.ctx.subtask}-chk-`;
      const ids = (await this.store!.list(prefix))
        .map((n) => Number(/(?:^|\/)part-\d+-chk-(\d+)\./.exec(n)?.[1] ?? Number.NaN))
        .filter(Number.isFinite);
      return ids.length ? Math.max(...ids) : null;
    };
    this.preparedOutput = () => this.prepared?.rows ?? [];
    this.recommit = async (id, rows) => {
      if (((await this.committedCheckpoint!()) ?? 0) >= id) return;
      await this.commitFiles(await this.stageCheckpoint(id, rows, true));
    };
  }

  async open(): Promise<void> {
    const t = this.config.target;
    this.store ??= t.kind === "local" ? new LocalStore(t.dir) : new S3Store(s3ClientFromEnv(), t.bucket, t.prefix);
    if (this.ctx.exactlyOnce) return; // files are cut at checkpoints, not by time
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
    if (!this.ctx.exactlyOnce && this.bytes >= this.config.rollBytes) await this.serial(() => this.roll());
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    // Exactly-once: rows wait for the next checkpoint's cut (or close).
    if (!this.ctx.exactlyOnce) await this.serial(() => this.roll());
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Output after the last checkpoint of a job that ends normally is committed without a
    // checkpoint, as the Kafka sink does; a checkpoint in flight settles first.
    if (this.ctx.exactlyOnce) {
      while (this.prepared) await this.settled;
      await this.serial(() => this.roll());
    } else await this.flush();
  }

  async abort(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.batches = [];
    await Promise.all(this.prepared?.files.map((f) => f.abort().catch(() => {})) ?? []);
    this.prepared = null;
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
      const ext = this.config.format === "parquet" ? "parquet" : "arrow";
      const file = `part-${this.ctx.subtask}-${this.runId}-${String(this.seq++).padStart(5, "0")}.${ext}`;
      for (const [dir, part] of groupByPartition(batches, this.config.partitionBy)) {
        const name = dir === "" ? file : `${dir}/${file}`;
        const rows = part.reduce((s, b) => s + b.numRows, 0);
        const bytes = encodeFile(part, this.config.format);
        this.staged.push(await this.store!.stage(name, bytes));
        this.log.debug({ file: this.store!.describe(name), rows, bytes: bytes.length }, "file staged");
      }
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

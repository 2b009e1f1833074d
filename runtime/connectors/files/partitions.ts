import { DataType, type RecordBatch, Schema } from "apache-arrow";
import { takeBatch } from "../../kernels/take.js";
import { columnsOf, makeBatch } from "../../types/column.js";
import { ConnectorConfigError } from "../errors.js";

/** Hive's name for the partition of null values (Flink's `partition.default-name`). */
export const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/**
 * Characters Hive and Flink escape in a partition directory's value (`%` and two hex digits), so
 * a value never adds a directory level (`/`) or an `=`; other characters stay as they are.
 */
const ESCAPED = new Set(`"#%'*/:=?\\{}[]^\u007f`);

export function escapePartitionValue(value: string): string {
  let out = "";
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || ESCAPED.has(c) ? `%${code.toString(16).toUpperCase().padStart(2, "0")}` : c;
  }
  return out;
}

export function unescapePartitionValue(text: string): string {
  return text.replace(/%([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

/**
 * Checks `partitionBy` against the rows a files sink gets: named columns of a string, integer or
 * boolean type (their text is the directory name), and at least one column left for the files.
 */
export function checkPartitionColumns(columns: readonly string[], schema: Schema): void {
  for (const name of columns) {
    const f = schema.fields.find((x) => x.name === name);
    if (!f)
      throw new ConnectorConfigError(
        `files.partitionBy: no column ${name} in the sink's rows (${schema.fields.map((x) => x.name).join(", ")})`,
      );
    const t = DataType.isDictionary(f.type) ? f.type.dictionary : f.type;
    if (!DataType.isUtf8(t) && !DataType.isInt(t) && !DataType.isBool(t))
      throw new ConnectorConfigError(
        `files.partitionBy: column ${name} is ${String(f.type)}; partition by a string, integer or boolean column (format times first, e.g. DATE_FORMAT(ts, 'yyyy-MM-dd'))`,
      );
  }
  if (new Set(columns).size !== columns.length)
    throw new ConnectorConfigError("files.partitionBy names a column twice");
  if (columns.length >= schema.fields.length)
    throw new ConnectorConfigError("files.partitionBy: every column is a partition column; the files would be empty");
}

/**
 * A batch's rows by partition directory (`dt=2026-12-06/hm=13%3A30`), each without the partition
 * columns (their values are in the path, as Hive and Flink write them).
 */
export function splitByPartition(batch: RecordBatch, columns: readonly string[]): Map<string, RecordBatch> {
  const vectors = columns.map((c) => batch.getChild(c)!);
  // Partition values repeat (a day, a minute): each distinct value is escaped once.
  const texts = columns.map(() => new Map<unknown, string>());
  const textOf = (c: number, v: unknown): string => {
    let t = texts[c].get(v);
    if (t === undefined) {
      t = `${columns[c]}=${v === null || v === undefined ? NULL_PARTITION : escapePartitionValue(String(v))}`;
      texts[c].set(v, t);
    }
    return t;
  };
  const rowsOf = new Map<string, number[]>();
  for (let i = 0; i < batch.numRows; i++) {
    let path = textOf(0, vectors[0].get(i));
    for (let c = 1; c < columns.length; c++) path += `/${textOf(c, vectors[c].get(i))}`;
    const rows = rowsOf.get(path);
    if (rows) rows.push(i);
    else rowsOf.set(path, [i]);
  }
  const kept = batch.schema.fields.flatMap((f, i) => (columns.includes(f.name) ? [] : [i]));
  const schema = new Schema(kept.map((i) => batch.schema.fields[i]));
  const out = new Map<string, RecordBatch>();
  for (const [path, rows] of rowsOf) {
    const part = rows.length === batch.numRows ? batch : takeBatch(batch, Int32Array.from(rows));
    const data = columnsOf(part);
    out.set(
      path,
      makeBatch(
        schema,
        kept.map((i) => data[i]),
        part.numRows,
      ),
    );
  }
  return out;
}

/** Batches grouped by partition directory ("" for all of them when there are no partition columns). */
export function groupByPartition(batches: RecordBatch[], columns: readonly string[]): Map<string, RecordBatch[]> {
  const groups = new Map<string, RecordBatch[]>();
  if (columns.length === 0) {
    if (batches.length > 0) groups.set("", batches);
    return groups;
  }
  for (const b of batches)
    for (const [path, part] of splitByPartition(b, columns)) {
      const list = groups.get(path);
      if (list) list.push(part);
      else groups.set(path, [part]);
    }
  return groups;
}

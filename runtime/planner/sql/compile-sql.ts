import type { SinkSpec, SourceSpec, StepSpec } from "../../contract/spec/schema.js";
import { compileSelect } from "./compile-select.js";
import { type ColumnDef, readCreateTable } from "./create-table.js";
import { parseFlinkSql } from "./grammar.js";
import type { QueryContext } from "./query-context.js";
import type { Relation } from "./relation.js";
import { SqlError, type SqlPosition } from "./sql-error.js";
import { sinkSpecOf } from "./table-sink.js";
import { sourceSpecOf } from "./table-source.js";
import {
  childOf,
  childrenOf,
  findRule,
  findRules,
  keywordOf,
  pathOf,
  positionOf,
  ruleOf,
  type SqlNode,
  tokensOf,
} from "./tree.js";

/** A SQL job as the pipeline spec the YAML form writes, with where each step came from. */
export interface CompiledSql {
  sources: Record<string, SourceSpec>;
  pipeline: StepSpec[];
  sinks: Record<string, SinkSpec>;
  /** Per pipeline step, the SQL clause it was compiled from. */
  stepOrigins: SqlPosition[];
  /** Per source and sink name, its CREATE TABLE. */
  tableOrigins: Record<string, SqlPosition>;
  /** Per sink, its declared columns: the planner's output types are checked against them. */
  sinkColumns: Record<string, ColumnDef[]>;
}

/**
 * Compiles `spec.sql` (CREATE TABLE, CREATE VIEW, INSERT INTO ... SELECT; several INSERTs make one
 * job with several sinks) into sources, pipeline steps and sinks, which the one planner then
 * checks and plans exactly as it does the YAML form. Throws SqlError or SqlSyntaxErrors.
 */
export function compileSql(text: string): CompiledSql {
  const job = new SqlJob();
  const statements = findRules(parseFlinkSql(text), "sqlStatement");
  for (const s of statements) job.statement(s);
  return job.finish(statements.length > 0 ? positionOf(statements[statements.length - 1]) : { line: 1, column: 1 });
}

/** The sink an ad-hoc query prints to. */
export const AD_HOC_SINK = "result";

/**
 * An ad-hoc `SELECT` over the tables and views of a job's SQL (`sabot sql`): the job's own INSERTs
 * are left out, and the query's rows go to a console sink named `result`. Positions in errors are
 * in `query` for the query, in `text` for the tables.
 */
export function compileAdHocQuery(text: string, query: string): CompiledSql {
  const job = new SqlJob();
  for (const s of findRules(parseFlinkSql(text), "sqlStatement")) if (!findRule(s, "insertStatement")) job.statement(s);
  const selects = findRules(parseFlinkSql(query), "sqlStatement");
  const select = selects.length === 1 ? findRule(selects[0], "queryStatement") : undefined;
  if (!select || findRule(selects[0], "insertStatement") || findRule(selects[0], "ddlStatement"))
    throw new SqlError(
      selects[0] ? positionOf(selects[0]) : { line: 1, column: 1 },
      "an ad-hoc query is one SELECT",
      "e.g. SELECT auction, price FROM bid WHERE price > 100",
    );
  job.adHoc(select);
  return job.finish({ line: 1, column: 1 });
}

class SqlJob implements QueryContext {
  /** CREATE TABLE statements by name; read as a source or a sink when a query uses them. */
  private readonly tables = new Map<string, SqlNode>();
  private readonly views = new Map<string, { query: SqlNode; compiled?: Relation }>();
  private readonly out: CompiledSql = {
    sources: {},
    pipeline: [],
    sinks: {},
    stepOrigins: [],
    tableOrigins: {},
    sinkColumns: {},
  };
  private readonly names = new Set<string>();
  private inserts = 0;

  statement(s: SqlNode): void {
    const create = findRule(s, "createTable");
    const view = findRule(s, "createView");
    const insert = findRule(s, "insertStatement");
    if (create) this.createTable(create);
    else if (view) this.createView(view);
    else if (insert) for (const one of findRules(insert, "insertSimpleStatement")) this.insert(one);
    else
      throw new SqlError(
        positionOf(s),
        `${keywordOf(s)} statements are not supported in a job`,
        "a job holds CREATE TABLE, CREATE VIEW and INSERT INTO ... SELECT",
      );
  }

  finish(end: SqlPosition): CompiledSql {
    if (this.inserts === 0)
      throw new SqlError(end, "the SQL has no INSERT INTO: nothing is written", "add INSERT INTO <table> SELECT ...");
    return this.out;
  }

  addStep(step: Omit<StepSpec, "as">, label: string, at: SqlPosition): string {
    let name = label;
    for (let i = 2; this.names.has(name); i++) name = `${label}#${i}`;
    this.names.add(name);
    this.out.pipeline.push({ ...step, as: name });
    this.out.stepOrigins.push(at);
    return name;
  }

  relationOfName(name: string, at: SqlPosition, alias?: string): Relation {
    const qualifiers = alias ? [alias] : [name];
    const view = this.views.get(name);
    if (view) {
      view.compiled ??= this.compileQuery(view.query, name);
      return { ...view.compiled, qualifiers };
    }
    const node = this.tables.get(name);
    if (!node)
      throw new SqlError(
        at,
        `unknown table or view ${name}`,
        `defined so far: ${[...this.tables.keys(), ...this.views.keys()].join(", ") || "none"}`,
      );
    if (this.out.sinks[name])
      throw new SqlError(at, `table ${name} is written by an INSERT; a job cannot also read it`);
    const table = readCreateTable(node, "source");
    if (!this.out.sources[name]) {
      this.out.sources[name] = sourceSpecOf(table);
      this.out.tableOrigins[name] = table.at;
      this.names.add(name);
    }
    const tableKey = this.out.sources[name].kafka?.table?.key;
    return {
      stream: name,
      columns: table.columns.map((c) => c.name),
      qualifiers,
      timeColumn: table.watermark?.column,
      tableKey,
    };
  }

  compileQuery(query: SqlNode, label: string, target?: string[]): Relation {
    const kids = childrenOf(query).filter((c) => ruleOf(c) !== undefined);
    const sel = childOf(query, "selectStatement");
    if (sel && kids.length === 1) return compileSelect(this, sel, label, target);
    const inner = childOf(query, "queryStatement");
    if (inner && kids.length === 1) return this.compileQuery(inner, label, target);
    const extra = kids.find((c) => c !== sel) ?? query;
    throw new SqlError(
      positionOf(extra),
      `${keywordOf(extra)}: only SELECT ... FROM ... [WHERE] [GROUP BY] [HAVING] is supported on streams yet`,
      "ORDER BY, LIMIT, UNION, VALUES and WITH are not supported yet",
    );
  }

  /** A bare SELECT whose rows are printed (`sabot sql`). */
  adHoc(query: SqlNode): void {
    const rel = this.compileQuery(query, "query");
    this.inserts++;
    this.out.sinks[AD_HOC_SINK] = { console: {} };
    this.out.pipeline.push({ from: rel.stream, to: AD_HOC_SINK });
    this.out.stepOrigins.push(positionOf(query));
  }

  private createTable(n: SqlNode): void {
    const table = readCreateTable(n, "sink");
    this.defineName(table.name, table.at);
    this.tables.set(table.name, n);
  }

  private createView(n: SqlNode): void {
    const name = pathOf(childOf(n, "viewPathCreate")!).join(".");
    this.defineName(name, positionOf(n));
    this.views.set(name, { query: childOf(n, "queryStatement")! });
  }

  private defineName(name: string, at: SqlPosition): void {
    if (this.tables.has(name) || this.views.has(name)) throw new SqlError(at, `${name} is defined twice`);
  }

  private insert(n: SqlNode): void {
    if (tokensOf(n)[1]?.toUpperCase() === "OVERWRITE")
      throw new SqlError(positionOf(n), "INSERT OVERWRITE is not supported on streams", "write INSERT INTO");
    const pathNode = childOf(n, "tablePath")!;
    const name = pathOf(pathNode).join(".");
    const node = this.tables.get(name);
    if (!node) throw new SqlError(positionOf(pathNode), `INSERT INTO ${name}: no CREATE TABLE ${name} before it`);
    if (this.out.sinks[name])
      throw new SqlError(
        positionOf(n),
        `a second INSERT INTO ${name} is not supported yet`,
        "write one INSERT per table",
      );
    if (this.out.sources[name])
      throw new SqlError(positionOf(n), `table ${name} is read by a query; a job cannot also write it`);
    const list = childOf(n, "insertPartitionDefinition") ?? childOf(n, "columnNameList");
    if (list)
      throw new SqlError(
        positionOf(list),
        "INSERT with a column list or PARTITION is not supported yet",
        "select every column of the table in order",
      );
    this.inserts++;
    const sink = readCreateTable(node, "sink");
    const rel = this.compileQuery(
      childOf(n, "queryStatement")!,
      `insert.${name}`,
      sink.columns.map((c) => c.name),
    );
    this.out.sinks[name] = sinkSpecOf(sink);
    this.out.tableOrigins[name] = sink.at;
    this.out.sinkColumns[name] = sink.columns;
    this.out.pipeline.push({ from: rel.stream, to: name });
    this.out.stepOrigins.push(positionOf(n));
  }
}

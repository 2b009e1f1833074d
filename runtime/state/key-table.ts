import { type Data, DataType, Field, Utf8 } from "apache-arrow";
import { hashRows, keyGroupOf } from "../kernels/hash.js";
import { NATIVE_MIN_ROWS, native } from "../kernels/native.js";
import { lookupInsert64Of } from "../kernels/probe.js";
import type { KeyStore } from "./key-store.js";
import { Fixed64Store, keyStoreFor } from "./key-stores.js";

/**
 * KeyTable: the keyed-state index shared by stateful operators (window aggregation, joins).
 *
 * It maps the key columns of rows to dense group ids 0..size-1, so an operator keeps its per-key
 * state in typed arrays indexed by group id instead of in a JS object per key.
 *
 *   const table = new KeyTable(keyFields, maxParallelism);  // Arrow fields of the key columns
 *   const groups = table.insert(keyColumns, n);  // Int32Array: a group id per row, new keys added
 *   const hits = table.find(keyColumns, n);      // the same, -1 for keys not in the table
 *   table.size                                   // number of groups
 *   table.keyGroupOf(g), table.hashOf(g)         // key group = hash % maxParallelism
 *   table.keyColumns(groupIds, count, plain?)    // Arrow columns holding those groups' keys
 *   table.snapshotFields()                       // the key fields as keyColumns(.., plain) types
 *   const remap = table.compact(keep)            // drop groups (keep[g] = 0), renumber the rest
 *   table.clear(), table.reset(), table.byteSize()
 *
 * Group ids are assigned in first-seen order and stay stable until `compact`, which an operator
 * calls when many keys have no state left (keys that churn), renumbering its own arrays by `remap`.
 *
 * Keys: any number of columns (zero = one global group) of utf8, dictionary<utf8>, int32, int64,
 * timestamp, float64 or bool, nulls included (a null key equals a null key, as in GROUP BY). Rows
 * are hashed with `hashRows` (so a key's group table slot and its key group agree with the
 * exchange that routed it), then matched by open addressing with an equality check against the
 * stored key values. Keys are stored columnarly (one typed array per key column, utf8 bytes in one
 * buffer), so memory is about 8-16 bytes per group plus the key bytes.
 *
 * Lookups are vectorized: probe every row by hash, then verify candidates column by column, and
 * only rows whose key is new (or collided) take the row-at-a-time insert path.
 *
 * Checkpoints: a caller snapshots its state as Arrow batches, one per key group, holding
 * `keyColumns(groups, n, true)` next to its own state columns (`bucketByKeyGroup` in
 * key-groups.ts splits entries by key group), and restores by feeding those key columns back to
 * `insert` — which accepts plain utf8 for dictionary keys, so snapshots need no dictionaries.
 */
const lookupNative = lookupInsert64Of(native);

export class KeyTable {
  readonly fields: readonly Field[];
  readonly maxParallelism: number;
  private readonly stores: KeyStore[];
  private hashes = new Uint32Array(16);
  private groupKeyGroups = new Uint16Array(16);
  private count = 0;
  // Open addressing, two entries per slot: the group id (-1 when empty) and its hash, so a probe
  // compares hashes on the slot's own cache line (and the native lookup reads the same layout).
  private slots: Int32Array;
  private hashScratch = new Uint32Array(0); // row hashes of the batch being looked up
  private mask: number;

  constructor(fields: readonly Field[], maxParallelism: number) {
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768)
      throw new RangeError(`maxParallelism must be an integer in 1..32768, got ${maxParallelism}`);
    this.fields = fields;
    this.maxParallelism = maxParallelism;
    this.stores = fields.map(keyStoreFor);
    for (const s of this.stores) s.grow(16);
    this.slots = new Int32Array(128).fill(-1);
    this.mask = 63;
  }

  /** Number of groups. */
  get size(): number {
    return this.count;
  }
  hashOf(group: number): number {
    return this.hashes[group];
  }
  keyGroupOf(group: number): number {
    return this.groupKeyGroups[group];
  }

  /**
   * Group id of every row, adding keys not seen before. `out` (at least `length` long) receives
   * them, so a caller can reuse one array from batch to batch; the result is out[0..length).
   */
  insert(columns: readonly Data[], length: number, out?: Int32Array): Int32Array {
    return this.lookup(columns, length, true, out);
  }

  /** Group id of every row, or -1 where the key is not in the table. */
  find(columns: readonly Data[], length: number): Int32Array {
    return this.lookup(columns, length, false);
  }

  private lookup(columns: readonly Data[], n: number, add: boolean, into?: Int32Array): Int32Array {
    if (columns.length !== this.stores.length)
      throw new Error(
        `expected ${this.stores.length} key columns (${this.fields.map((f) => f.name).join(", ")}), got ${columns.length}`,
      );
    const out = into && into.length >= n ? into : new Int32Array(n);
    if (n === 0) return out;
    if (this.hashScratch.length < n) this.hashScratch = new Uint32Array(n);
    const hashes = hashRows(columns as Data[], n, native, this.hashScratch);
    for (let k = 0; k < this.stores.length; k++) this.stores[k].bind(columns[k]);
    const only = this.stores.length === 1 ? this.stores[0] : null;
    if (only instanceof Fixed64Store) {
      this.lookup64(only, hashes, n, add, out);
      return out;
    }
    // Pass 1: the first group with the row's full 32-bit hash is almost always the row's group.
    const { slots, mask } = this;
    for (let i = 0; i < n; i++) {
      const h = hashes[i] | 0;
      let p = h & mask;
      let g = slots[2 * p];
      while (g >= 0 && slots[2 * p + 1] !== h) {
        p = (p + 1) & mask;
        g = slots[2 * p];
      }
      out[i] = g;
    }
    // Pass 2: confirm candidates one key column at a time.
    const ok = new Uint8Array(n).fill(1);
    for (const s of this.stores) s.verify(out, ok, n);
    // Pass 3: new keys and hash collisions, row at a time.
    for (let i = 0; i < n; i++) if (out[i] < 0 || ok[i] === 0) out[i] = this.probe(hashes[i], i, add);
    return out;
  }

  /**
   * One 64-bit key column: hash, slot and key compared in one pass (no candidate array to verify
   * afterwards); only a key not in the table goes to `probe`, which adds it.
   */
  private lookup64(store: Fixed64Store, hashes: Uint32Array, n: number, add: boolean, out: Int32Array): void {
    if (lookupNative !== null && n >= NATIVE_MIN_ROWS) {
      this.reserve(add ? n : 0);
      const { lo, hi, valid, in32, inValid } = store.raw();
      const { slots, mask, count, maxParallelism } = this;
      const gh = this.hashes;
      const kg = this.groupKeyGroups;
      this.count = lookupNative(
        hashes,
        in32,
        inValid,
        slots,
        mask,
        gh,
        kg,
        lo,
        hi,
        valid,
        count,
        maxParallelism,
        add ? 1 : 0,
        out,
      );
      return;
    }
    let { lo, hi, valid } = store.raw();
    const { in32, inValid } = store.raw();
    let { slots, mask } = this;
    for (let i = 0; i < n; i++) {
      const h = hashes[i] | 0;
      const isNull = inValid !== null && inValid[i] === 0;
      const a = isNull ? 0 : in32[2 * i];
      const b = isNull ? 0 : in32[2 * i + 1];
      const v = isNull ? 0 : 1;
      let p = h & mask;
      let g = slots[2 * p];
      while (g >= 0 && (slots[2 * p + 1] !== h || lo[g] !== a || hi[g] !== b || valid[g] !== v)) {
        p = (p + 1) & mask;
        g = slots[2 * p];
      }
      if (g < 0 && add) {
        g = this.probe(hashes[i], i, true);
        ({ lo, hi, valid } = store.raw());
        ({ slots, mask } = this);
      }
      out[i] = g;
    }
  }

  /** Room for `more` new groups without growing: group arrays, and a table at most half full. */
  private reserve(more: number): void {
    const need = this.count + more;
    if (need > this.hashes.length) {
      let c = this.hashes.length;
      while (c < need) c *= 2;
      this.growGroups(c);
    }
    let capacity = this.mask + 1;
    while (need * 2 > capacity) capacity *= 2;
    if (capacity > this.mask + 1) this.rehash(capacity);
  }

  private probe(h: number, row: number, add: boolean): number {
    let p = h & this.mask;
    for (;;) {
      const g = this.slots[2 * p];
      if (g < 0) break;
      if (this.slots[2 * p + 1] === (h | 0) && this.rowEquals(g, row)) return g;
      p = (p + 1) & this.mask;
    }
    if (!add) return -1;
    const g = this.count++;
    if (g >= this.hashes.length) this.growGroups(this.hashes.length * 2);
    this.hashes[g] = h;
    this.groupKeyGroups[g] = keyGroupOf(h, this.maxParallelism);
    for (const s of this.stores) s.append(g, row);
    this.slots[2 * p] = g;
    this.slots[2 * p + 1] = h | 0;
    if (this.count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    return g;
  }

  private rowEquals(g: number, row: number): boolean {
    for (const s of this.stores) if (!s.equals(g, row)) return false;
    return true;
  }

  private growGroups(capacity: number): void {
    const h = new Uint32Array(capacity);
    h.set(this.hashes);
    this.hashes = h;
    const kg = new Uint16Array(capacity);
    kg.set(this.groupKeyGroups);
    this.groupKeyGroups = kg;
    for (const s of this.stores) s.grow(capacity);
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(2 * capacity).fill(-1);
    const mask = capacity - 1;
    for (let g = 0; g < this.count; g++) {
      let p = this.hashes[g] & mask;
      while (slots[2 * p] >= 0) p = (p + 1) & mask;
      slots[2 * p] = g;
      slots[2 * p + 1] = this.hashes[g] | 0;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /**
   * Arrow columns (one per key field) of the keys of groups[0..count). `plain` returns dictionary
   * keys as plain utf8 (snapshots); otherwise a column has its field's type.
   */
  keyColumns(groups: Int32Array, count = groups.length, plain = false): Data[] {
    return this.stores.map((s) => s.output(groups, count, plain));
  }

  /** keyColumns as of now, whatever the table does next (new keys, compaction): for snapshots. */
  freeze(): Pick<KeyTable, "keyColumns"> {
    const stores = this.stores.map((s) => s.freeze());
    return {
      keyColumns: (groups, count = groups.length, plain = false) => stores.map((s) => s.output(groups, count, plain)),
    };
  }

  /** The key fields as snapshots store them (dictionary utf8 as plain utf8). */
  snapshotFields(): Field[] {
    return this.fields.map((f) => (DataType.isDictionary(f.type) ? new Field(f.name, new Utf8(), f.nullable) : f));
  }

  /**
   * Keeps the groups with keep[g] !== 0, renumbered in their old order; returns old → new group id
   * (-1 for dropped groups) so the caller can renumber its state arrays.
   */
  compact(keep: Uint8Array): Int32Array {
    const remap = new Int32Array(this.count).fill(-1);
    const kept = new Int32Array(this.count);
    let m = 0;
    for (let g = 0; g < this.count; g++) {
      if (keep[g] === 0) continue;
      remap[g] = m;
      kept[m++] = g;
    }
    for (let j = 0; j < m; j++) {
      this.hashes[j] = this.hashes[kept[j]];
      this.groupKeyGroups[j] = this.groupKeyGroups[kept[j]];
    }
    for (const s of this.stores) s.compact(kept, m);
    this.count = m;
    let capacity = 64;
    while (capacity < m * 2) capacity *= 2;
    this.rehash(capacity);
    return remap;
  }

  /** Drops every group. */
  clear(): void {
    this.compact(new Uint8Array(this.count));
  }

  /**
   * Drops every group but keeps the table's capacity: for a caller that refills the table batch
   * after batch, where shrinking and growing it again would cost more than the lookups.
   */
  reset(): void {
    const none = new Int32Array(0);
    for (const s of this.stores) s.compact(none, 0);
    this.count = 0;
    this.slots.fill(-1);
  }

  /** Approximate bytes held (for state-size metrics). */
  byteSize(): number {
    return this.slots.byteLength + this.hashes.length * 6 + this.stores.reduce((s, k) => s + k.byteSize(), 0);
  }
}

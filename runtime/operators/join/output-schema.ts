import { Field } from "apache-arrow";
import { JoinConfigError } from "./errors.js";

/**
 * Output columns of a join: the left columns, then the right columns, where a right column whose
 * name is already taken is renamed `<rightName>_<col>`. `nullable` forces right columns nullable
 * (a left lookup join fills them with nulls when a key has no table row).
 */
export function joinedFields(
  op: string,
  left: Field[],
  right: Field[],
  rightName: string,
  options: { reserved?: string[]; rightNullable?: boolean } = {},
): Field[] {
  const taken = new Set(left.map((f) => f.name));
  for (const r of options.reserved ?? []) {
    if (taken.has(r))
      throw new JoinConfigError(op, `the left input already has a column "${r}", which the join adds: rename it first`);
    taken.add(r);
  }
  const out = [...left];
  for (const f of right) {
    let name = f.name;
    if (taken.has(name)) {
      name = `${rightName}_${f.name}`;
      if (taken.has(name))
        throw new JoinConfigError(
          op,
          `column "${f.name}" of ${rightName} collides with "${f.name}" and "${name}" on the left: rename one with a select step`,
        );
    }
    taken.add(name);
    out.push(new Field(name, f.type, options.rightNullable ? true : f.nullable, f.metadata));
  }
  return out;
}

import { Type } from "@sinclair/typebox";

/** Schema building blocks shared by the status schemas. */

export const StringEnum = <T extends string[]>(values: [...T], description: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: values, description });
export const Optional = Type.Optional;
export const Time = Type.String({ format: "date-time", description: "RFC 3339 time." });
export const Num = (description: string) => Type.Number({ description });
export const Parallelism = (description: string) => Type.Integer({ minimum: 0, description });

import { type Static, Type } from "@sinclair/typebox";
import { Optional, StringEnum, Time } from "./fields.js";

/** The shape of metav1.Condition, so kubectl and tools that read conditions understand it. */
export const Condition = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 316, description: "Ready, Progressing or Degraded." }),
    status: StringEnum(["True", "False", "Unknown"], "Whether the condition holds."),
    observedGeneration: Optional(
      Type.Integer({ minimum: 0, description: "The generation the condition was set for." }),
    ),
    lastTransitionTime: Time,
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      description: "Why, as one CamelCase word.",
    }),
    message: Type.String({ maxLength: 32768, description: "Why, in words." }),
  },
  { additionalProperties: false, description: "A metav1.Condition." },
);

export type Condition = Static<typeof Condition>;

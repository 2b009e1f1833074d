/**
 * A problem with a user's SQL expression: syntax, an unknown column, a type mismatch or an
 * unsupported function. The message names the expression and says what to change.
 */
export class ExprError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExprError";
  }
}

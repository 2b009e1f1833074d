/** A join that cannot be built as configured; the message says what to change. */
export class JoinConfigError extends Error {
  constructor(operator: string, message: string) {
    super(`${operator}: ${message}`);
    this.name = "JoinConfigError";
  }
}

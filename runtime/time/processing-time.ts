/**
 * Processing time: the wall clock of the machine a row is processed on, in epoch milliseconds.
 * Operators that work on it (processing-time windows) take a Clock, so that tests can drive time
 * instead of sleeping; their results depend on when rows arrive, so they are not deterministic.
 */
export type Clock = () => number;

export const wallClock: Clock = () => Date.now();

import { runJavaHelper } from "./java-helper.js";

/**
 * Every record value of `topic` as Kafka's Java consumer sees it with isolation.level
 * read_committed (see java/ReadCommitted.java for why not kafkajs).
 */
export function readCommittedValues(brokers: string[], topic: string): string[] {
  const text = runJavaHelper("ReadCommitted", [brokers[0], topic]);
  return text.split("\n").filter((l) => l.length > 0);
}

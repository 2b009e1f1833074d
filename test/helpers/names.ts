import { randomBytes } from "node:crypto";

/**
 * A name no other test (or earlier run against a reused environment) has used, for topics,
 * buckets and consumer groups, so tests never see each other's data. Lower-case letters, digits
 * and hyphens only, at most 63 characters: valid as an S3 bucket name, a Kafka topic, a consumer
 * group and a Kubernetes object name alike.
 */
export function uniqueName(prefix: string): string {
  const suffix = `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63 - suffix.length - 1);
  // Bucket and Kubernetes names must start with a letter or digit.
  return `${clean === "" ? "t" : clean.replace(/-+$/, "")}-${suffix}`;
}

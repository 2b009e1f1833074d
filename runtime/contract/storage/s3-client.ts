import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

/** The standard AWS variables, from the process environment or from a storage Secret's keys. */
export type S3Environment = Readonly<Record<string, string | undefined>>;

/**
 * An S3 client configured the standard AWS way, the one set-up the engine (from its environment)
 * and the operator (from a job's storage Secret, to dispose checkpoints) share: region from
 * AWS_REGION / AWS_DEFAULT_REGION, the endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
 * With a custom endpoint (MinIO, Ceph, LocalStack) requests use path-style addressing, which those
 * need; AWS_S3_FORCE_PATH_STYLE=true|false overrides that.
 *
 * Keys (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) are passed explicitly because
 * a Secret's keys are not in the process environment; for the process environment that is what
 * the SDK's default chain would pick first anyway. Without both keys the default chain applies
 * (profiles, instance and pod roles).
 */
export function s3ClientFromEnv(env: S3Environment = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const pathStyle = env.AWS_S3_FORCE_PATH_STYLE;
  const config: S3ClientConfig = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === "true",
  };
  if (endpoint) config.endpoint = endpoint;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  return new S3Client(config);
}

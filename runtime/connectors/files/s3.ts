import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

/** `s3://bucket/some/prefix` → bucket and prefix (without leading or trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return null;
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, "") };
}

/**
 * An S3 client configured the standard AWS way: credentials and region from the usual variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION,
 * profiles, instance roles), the endpoint from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. With a
 * custom endpoint (MinIO, Ceph, LocalStack) requests use path-style addressing, which those need;
 * AWS_S3_FORCE_PATH_STYLE=true|false overrides that.
 */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const pathStyle = env.AWS_S3_FORCE_PATH_STYLE;
  const config: S3ClientConfig = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    forcePathStyle: pathStyle === undefined ? endpoint !== undefined : pathStyle === "true",
  };
  if (endpoint) config.endpoint = endpoint;
  return new S3Client(config);
}

import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { CoreV1Api } from "@kubernetes/client-node";
import { s3ClientFromEnv } from "../../runtime/contract/storage/s3-client.js";

/**
 * Deletes a checkpoint's or savepoint's folder from storage (disposeOnDelete). S3 credentials and
 * endpoint come from the job's storage Secret, read through the API, the same variables the
 * runtime reads (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION /
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_S3_FORCE_PATH_STYLE). They are
 * never logged nor written anywhere; errors name the Secret, not its content.
 */

export class DisposeError extends Error {
  override name = "DisposeError";
}

/** Only folders the engine writes (`…/chk-<id>` or `…/sp-<id>`), so a bad path cannot empty a bucket. */
export function checkDisposablePath(path: string): void {
  if (!/^(s3|file):\/\/.+\/(chk|sp)-\d+\/?$/.test(path))
    throw new DisposeError(
      `refusing to delete "${path}": not a checkpoint or savepoint folder (…/chk-<id> or …/sp-<id>)`,
    );
}

export async function readSecretEnv(core: CoreV1Api, namespace: string, name: string): Promise<Record<string, string>> {
  try {
    const s = await core.readNamespacedSecret({ name, namespace });
    return Object.fromEntries(
      Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  } catch (err) {
    const code = (err as { code?: number }).code;
    throw new DisposeError(
      `cannot read Secret ${namespace}/${name} (storage credentials)${code ? `: HTTP ${code}` : ""}`,
    );
  }
}

/** Deletes every object under the folder, manifest first, so a half-deleted folder never looks complete. */
async function disposeS3(client: S3Client, url: string): Promise<number> {
  const m = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(url);
  if (!m) throw new DisposeError(`not an s3:// folder: ${url}`);
  const [, bucket, folder] = m as unknown as [string, string, string];
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${folder}/`, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  keys.sort((a, b) => Number(b.endsWith("/manifest.json")) - Number(a.endsWith("/manifest.json")));
  for (let at = 0; at < keys.length; at += 1000) {
    const res = await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(at, at + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = res.Errors ?? [];
    if (failed.length > 0)
      throw new DisposeError(
        `could not delete ${failed.length} object(s) of ${url}, e.g. ${failed[0]!.Key}: ${failed[0]!.Code}`,
      );
  }
  return keys.length;
}

/** Deletes the folder at `path`; returns how many objects (S3) were deleted, or -1 for a local folder. */
export async function disposeCheckpointFiles(
  path: string,
  secretEnv: () => Promise<Record<string, string>>,
): Promise<number> {
  checkDisposablePath(path);
  if (path.startsWith("file://")) {
    await rm(fileURLToPath(path.replace(/\/+$/, "")), { recursive: true, force: true });
    return -1;
  }
  // Without keys in the Secret, the SDK's default chain (the operator's own role) applies.
  const client = s3ClientFromEnv(await secretEnv());
  try {
    return await disposeS3(client, path);
  } finally {
    client.destroy();
  }
}

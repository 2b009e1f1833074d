/** `s3://bucket/some/prefix` → bucket and prefix (without leading or trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return null;
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, "") };
}

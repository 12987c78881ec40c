// The S3-compatible store the benchmarked crawl uploads to: the project's in-process local S3 server
// (src/dev/local-s3.ts), running inside the bench process like the sandbox. One per run, so the
// objects of a 1M-record run do not stay in memory for the next.
import { startLocalS3 } from './servers.js';

export interface LocalStore {
  /** AWS_BUCKET_NAME, AWS_S3_ENDPOINT, AWS_S3_FORCE_PATH_STYLE=true, AWS_REGION, dummy keys. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

export async function startLocalStore(bucket = 'zoho-bench'): Promise<LocalStore> {
  const s3 = await startLocalS3();
  return { settings: { ...s3.settings(bucket), AWS_S3_FORCE_PATH_STYLE: 'true' }, stop: () => s3.stop() };
}

// The S3-compatible store the benchmarked crawl uploads to: the project's in-process local S3 server
// (src/dev/local-s3.ts), running inside the bench process like the sandbox.
import { startLocalS3 } from './servers.js';

export interface LocalStore {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** Dummy credentials: the local store accepts any; they only have to be present. */
const ACCESS_KEY_ID = 'bench-access-key';
const SECRET_ACCESS_KEY = 'bench-secret-key';

export async function startLocalStore(bucket = 'zoho-bench'): Promise<LocalStore> {
  const s3 = await startLocalS3();
  return { endpoint: s3.endpoint, bucket, accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, stop: () => s3.stop() };
}

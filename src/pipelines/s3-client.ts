// The one place an S3 client is built from settings, retries included. Retrying is left to the AWS
// SDK's standard strategy alone, configured here once: a loop of ours around it multiplied the
// attempts (5 × the SDK's default 3 = up to 15 PUTs of one file), and told the user fewer.
import { S3Client } from '@aws-sdk/client-s3';
import type { Settings } from '../settings.js';

/**
 * An S3 client for the bucket in `settings`. Each request is tried at most S3_UPLOAD_RETRIES + 1
 * times, with the SDK's exponential backoff and jitter, and only for errors a retry can help (5xx,
 * throttling, timeouts, dropped or refused connections); a refusal (403, 400…) is final at once.
 * The SDK also stops retrying when a client has spent its retry budget: in an outage the files
 * after the first few fail fast, which is what lets the run end partial instead of hanging.
 */
export function createS3Client(settings: Settings): S3Client {
  return new S3Client({
    region: settings.AWS_REGION,
    endpoint: settings.AWS_S3_ENDPOINT,
    forcePathStyle: settings.AWS_S3_FORCE_PATH_STYLE,
    // Keys from settings when given; otherwise the SDK's default chain (env, profile, SSO, role…).
    credentials:
      settings.AWS_ACCESS_KEY_ID && settings.AWS_SECRET_ACCESS_KEY
        ? { accessKeyId: settings.AWS_ACCESS_KEY_ID, secretAccessKey: settings.AWS_SECRET_ACCESS_KEY, sessionToken: settings.AWS_SESSION_TOKEN }
        : undefined,
    maxAttempts: settings.S3_UPLOAD_RETRIES + 1,
    // Named, so that AWS_RETRY_MODE in the environment cannot swap the tested strategy for another.
    retryMode: 'standard',
  });
}

/** The clients of crawls under way, by their settings (one Settings object per crawl). */
const runClients = new WeakMap<Settings, S3Client>();

/**
 * The crawl's one S3 client: the uploader and the incremental state store share it, so one retry
 * strategy and one connection pool serve the whole run. The engine releases it when the run ends.
 */
export function runS3Client(settings: Settings): S3Client {
  let client = runClients.get(settings);
  if (!client) runClients.set(settings, (client = createS3Client(settings)));
  return client;
}

/** Closes the crawl's client, if it made one (its sockets would otherwise outlive the run). */
export function releaseRunS3Client(settings: Settings): void {
  runClients.get(settings)?.destroy();
  runClients.delete(settings);
}

/** How many attempts the SDK made before it gave up on a request (1 for an error it never retried). */
export function attemptsOf(error: unknown): number {
  type Counted = { $metadata?: { attempts?: number }; cause?: unknown };
  const e = error as Counted | undefined;
  return e?.$metadata?.attempts ?? (e?.cause as Counted | undefined)?.$metadata?.attempts ?? 1;
}

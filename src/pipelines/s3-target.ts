// The S3 side of a run: the bucket check, single-file uploads (PutObject below
// S3_MULTIPART_THRESHOLD, lib-storage multipart at or above it) and HEAD, all over one client from
// createS3Client, whose retries are the only ones: nothing here retries a request again.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type BucketLocationConstraint,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from '../core/logger.js';
import { redactKnown } from '../core/logger.js';
import type { Settings } from '../settings.js';
import { Slots } from './slots.js';
import { attemptsOf, createS3Client } from './s3-client.js';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
export const JSON_CONTENT_TYPE = 'application/json';
/** User metadata key holding the file's SHA-256: multipart ETags are not content hashes. */
export const SHA256_METADATA = 'sha256';

/** One local file to store under one key. */
export interface UploadJob {
  /** Relative to the run folder. */
  path: string;
  absPath: string;
  key: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

/** The shape of what the AWS SDK throws, as far as we read it. */
interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (error: unknown): number | undefined => (error as SdkError)?.$metadata?.httpStatusCode;

/** One line describing an S3 error: HTTP status, error name and message, secrets removed. */
export function describeS3Error(error: unknown): string {
  const e = (error ?? {}) as SdkError;
  const status = statusOf(error);
  const name = e.name && e.name !== 'Error' && e.name !== 'UnknownError' ? e.name : e.code;
  const message = e.message && e.message !== 'UnknownError' ? e.message : undefined;
  const parts = [status ? `HTTP ${status}` : undefined, name, message].filter(Boolean);
  return redactKnown(parts.length ? [...new Set(parts)].join(': ') : String(error));
}

/** `failed after N attempt(s): <error>`: why an upload was given up, with the SDK's own count. */
export function describeUploadFailure(error: unknown): string {
  return `failed after ${attemptsOf(error)} attempt(s): ${describeS3Error(error)}`;
}

/** The store did not answer at all (connection refused, DNS, timeout): an outage, not a refusal. */
export class S3UnreachableError extends Error {
  override name = 'S3UnreachableError';
}

export class S3Target {
  readonly bucket: string;
  readonly client: S3Client;
  readonly slots: Slots;
  private readonly bodies: FileBodies;
  private readonly prefix: string | undefined;
  private readonly region: string;

  /** Given a client (the run's), the target leaves closing it to its owner. */
  constructor(
    private readonly settings: Settings,
    shared?: S3Client,
  ) {
    if (!settings.AWS_BUCKET_NAME) throw new Error('AWS_BUCKET_NAME is not set');
    this.bucket = settings.AWS_BUCKET_NAME;
    this.prefix = settings.AWS_S3_PREFIX;
    this.region = settings.AWS_REGION;
    this.slots = new Slots(settings.S3_MAX_CONCURRENCY);
    this.bodies = new FileBodies(settings.S3_MULTIPART_THRESHOLD);
    this.client = shared ?? createS3Client(settings);
    this.owned = shared === undefined;
  }

  private readonly owned: boolean;

  /** `s3://bucket/prefix/` for messages. */
  get location(): string {
    return `s3://${this.bucket}/${this.prefix ? `${this.prefix}/` : ''}`;
  }

  /** `[prefix/]<runId>/<relPath>`. */
  keyOf(runId: string, relPath: string): string {
    return [this.prefix, runId, relPath].filter(Boolean).join('/');
  }

  /**
   * Makes sure the bucket exists and is ours to write: HeadBucket, CreateBucket when it is missing.
   * A 403 is an access problem (not "it exists"); it throws a message saying so.
   */
  async ensureBucket(logger: Logger): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      const status = statusOf(error);
      if (status === 403) {
        throw new Error(
          `S3 bucket ${this.bucket}: access denied (HTTP 403 on HeadBucket); check the AWS credentials and that they may read and write this bucket`,
        );
      }
      if (status === 301) throw new Error(`S3 bucket ${this.bucket} is not in AWS_REGION ${this.region} (HTTP 301); set AWS_REGION to the bucket's region`);
      if (status === undefined) throw new S3UnreachableError(`S3 bucket ${this.bucket} cannot be reached: ${describeS3Error(error)}`);
      if (status !== 404) throw new Error(`S3 bucket ${this.bucket} cannot be checked: ${describeS3Error(error)}`);
    }
    logger.info(`S3 bucket ${this.bucket} does not exist; creating it in ${this.region}`);
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the one region that must not be named.
          CreateBucketConfiguration: this.region === 'us-east-1' ? undefined : { LocationConstraint: this.region as BucketLocationConstraint },
        }),
      );
    } catch (error) {
      // Created meanwhile by a parallel run of ours: fine.
      if ((error as SdkError).name === 'BucketAlreadyOwnedByYou') return;
      throw new Error(`S3 bucket ${this.bucket} could not be created: ${describeS3Error(error)}`);
    }
  }

  /** Stores one file (the client retries what can be retried); holds one slot per request in flight. */
  async putFile(job: UploadJob): Promise<void> {
    const threshold = this.settings.S3_MULTIPART_THRESHOLD;
    const metadata = { [SHA256_METADATA]: job.sha256 };
    if (job.bytes < threshold) {
      const release = await this.slots.acquire(1);
      try {
        // Below the threshold (a few MiB) the body is read whole: a buffer can be resent by the SDK's
        // own retries, a stream cannot. The buffer is one of the spares, given back once sent.
        const buffer = await this.bodies.read(job.absPath, job.bytes, job.path);
        try {
          const body = buffer.subarray(0, job.bytes);
          await this.client.send(knownHashPut({ Bucket: this.bucket, Key: job.key, Body: body, ContentType: job.contentType, Metadata: metadata }, job.sha256));
        } finally {
          this.bodies.giveBack(buffer);
        }
      } finally {
        release();
      }
      return;
    }
    const partSize = this.settings.S3_MULTIPART_CHUNKSIZE;
    const parts = Math.ceil(job.bytes / partSize);
    const queueSize = Math.max(1, Math.min(this.slots.size, parts));
    const release = await this.slots.acquire(queueSize);
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: job.key, Body: createReadStream(job.absPath), ContentType: job.contentType, Metadata: metadata },
        partSize,
        queueSize,
        // A failed multipart upload is aborted, so no invisible parts are left to pay for.
        leavePartsOnError: false,
      });
      await upload.done();
    } finally {
      release();
    }
  }

  /** Size and recorded SHA-256 of an object, or undefined when there is none. */
  async head(key: string): Promise<{ bytes: number; sha256?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { bytes: out.ContentLength ?? -1, sha256: out.Metadata?.[SHA256_METADATA] };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** True when the bucket holds the file already: same size and the same SHA-256 recorded at upload. */
  async isStored(job: UploadJob): Promise<boolean> {
    const release = await this.slots.acquire(1);
    const remote = await this.head(job.key)
      .catch((error: unknown) => {
        throw new Error(`cannot check s3://${this.bucket}/${job.key}: ${describeS3Error(error)}`, { cause: error });
      })
      .finally(release);
    return remote !== undefined && remote.bytes === job.bytes && remote.sha256 === job.sha256;
  }

  destroy(): void {
    if (this.owned) this.client.destroy();
  }
}

/**
 * A PutObject of a body whose SHA-256 (hex) is known: the chunk writer hashed every byte as it wrote
 * the file. Without this the SDK hashed each body twice more — SHA-256 again for the SigV4 payload
 * hash and CRC32 for its default integrity checksum (together 5% of a crawl's CPU). Given
 * `ChecksumSHA256`, the SDK computes no checksum of its own and S3 checks the body against ours (a
 * file changed since it was hashed is refused, BadDigest); given the `x-amz-content-sha256` header,
 * the signer signs that value instead of hashing the body (S3 checks it too). Both through the SDK's
 * public input and middleware stack.
 */
function knownHashPut(input: PutObjectCommandInput, sha256Hex: string): PutObjectCommand {
  const command = new PutObjectCommand({ ...input, ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64') });
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (request?.headers) request.headers['x-amz-content-sha256'] = sha256Hex;
      return next(args);
    },
    { step: 'build', name: 'knownPayloadSha256' },
  );
  return command;
}

/**
 * Buffers that chunk files are read into for upload, reused: a crawl uploads gigabytes, and a new
 * buffer per file was memory outside the heap that V8 counts towards its next collection (1M records:
 * 56 → 37–43 s of CPU with the chunk writer's buffers reused too). All of them together, in use or
 * spare, stay within `budget` bytes (the multipart threshold: a larger file is streamed, not read
 * whole): an upload waits for a buffer rather than raise the peak memory of a crawl, and with 10
 * uploads in flight at the end of a run that peak was 10–20 MB higher. A file larger than the budget
 * is still read when no other buffer is held.
 */
export class FileBodies {
  private readonly spares: Buffer[] = [];
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly budget: number) {}

  /** The file's `bytes` bytes at the start of a buffer that is the caller's until given back. */
  async read(absPath: string, bytes: number, name: string): Promise<Buffer> {
    const handle = await open(absPath, 'r');
    try {
      const { size } = await handle.stat();
      if (size !== bytes) throw new Error(`${name} is ${size} bytes, expected ${bytes}`);
      const buffer = await this.take(bytes);
      try {
        let done = 0;
        while (done < bytes) {
          const { bytesRead } = await handle.read(buffer, done, bytes - done, done);
          if (bytesRead === 0) throw new Error(`${name} ended after ${done} bytes, expected ${bytes}`);
          done += bytesRead;
        }
      } catch (error) {
        this.giveBack(buffer);
        throw error;
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  giveBack(buffer: Buffer): void {
    this.spares.push(buffer);
    this.waiting.shift()?.();
  }

  private async take(bytes: number): Promise<Buffer> {
    for (;;) {
      const fit = this.spares.findIndex((b) => b.length >= bytes);
      if (fit >= 0) return this.spares.splice(fit, 1)[0];
      // Room to spare: the next chunk of the same stem is rarely exactly as long.
      const size = Math.ceil((bytes * 1.25) / 65536) * 65536;
      // Spares too small for this file make room first.
      while (this.held + size > this.budget && this.spares.length > 0) this.held -= this.spares.pop()!.length;
      if (this.held + size <= this.budget || this.held === 0) {
        this.held += size;
        return Buffer.allocUnsafe(size);
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }
}

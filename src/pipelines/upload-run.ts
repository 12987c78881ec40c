// `upload <run folder>`: uploads (or finishes uploading) a run that is on disk — e.g. one that met an
// S3 outage. Objects already in S3 with the same size and SHA-256 are skipped; the manifest goes last,
// cleared of the upload errors it recorded, and only when every file is there.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { RunStatus } from '../core/report.js';
import { SettingsError, type Settings } from '../settings.js';
import { MANIFEST_FILE, ManifestError, readManifest, withoutUploadErrors, writeManifest, type Manifest } from './manifest.js';
import { describeUploadFailure, JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, S3Target, type UploadJob } from './s3-target.js';
import { UploadQueue } from './upload-queue.js';

export class NotARunFolderError extends Error {
  override name = 'NotARunFolderError';
}

export interface UploadRunOptions {
  runDir: string;
  settings: Settings;
  logger: Logger;
}

export interface UploadRunResult {
  /** True when every file and the manifest are in S3. */
  complete: boolean;
  runId: string;
  /** Paths (relative to the run folder) uploaded now, skipped as already there, and failed. */
  uploaded: string[];
  skipped: string[];
  failed: Array<{ path: string; message: string }>;
  /** The run's status as the manifest now says. */
  status: RunStatus;
}

export async function uploadRun(opts: UploadRunOptions): Promise<UploadRunResult> {
  const { settings, logger } = opts;
  const runDir = resolve(opts.runDir);
  const manifest = await loadRun(runDir);
  if (!settings.AWS_BUCKET_NAME) throw new SettingsError(['AWS_BUCKET_NAME: not set; expected the bucket to upload the run to']);
  const target = new S3Target(settings);
  const result: UploadRunResult = { complete: false, runId: manifest.run, uploaded: [], skipped: [], failed: [], status: manifest.status };
  try {
    await target.ensureBucket(logger);
    logger.info(`uploading run ${manifest.run} from ${runDir} to ${target.location}${manifest.run}/`);
    const queue = new UploadQueue(target, logger);
    const files = Object.values(manifest.modules).flatMap((m) => m.files);
    await Promise.all(
      files.map(async (file) => {
        const job: UploadJob = { ...file, absPath: join(runDir, file.path), key: target.keyOf(manifest.run, file.path), contentType: NDJSON_CONTENT_TYPE };
        try {
          if (await target.isStored(job)) return void result.skipped.push(file.path);
          await checkLocal(job);
        } catch (error) {
          return void result.failed.push({ path: file.path, message: error instanceof Error ? error.message : String(error) });
        }
        queue.add(job);
      }),
    );
    for (const f of await queue.settle()) result.failed.push({ path: f.job.path, message: f.message });
    const failed = new Set(result.failed.map((f) => f.path));
    result.uploaded = files.map((f) => f.path).filter((p) => !failed.has(p) && !result.skipped.includes(p));
    if (result.failed.length) {
      for (const f of result.failed) logger.error(`${f.path}: ${f.message}`);
      logger.error(`${result.failed.length} file(s) still not in S3; ${MANIFEST_FILE} not uploaded. Run upload again once the problem is fixed.`);
      return result;
    }
    const updated = withoutUploadErrors(manifest);
    await writeManifest(runDir, updated);
    result.status = updated.status;
    const manifestJob = await jobForManifest(runDir, target, manifest.run);
    try {
      await target.putFile(manifestJob);
    } catch (error) {
      result.failed.push({ path: MANIFEST_FILE, message: describeUploadFailure(error) });
      logger.error(`${MANIFEST_FILE}: ${result.failed[0].message}`);
      return result;
    }
    result.complete = true;
    logger.info(`run ${manifest.run} is in S3: ${result.uploaded.length} file(s) uploaded, ${result.skipped.length} already there, ${MANIFEST_FILE} last`);
    return result;
  } finally {
    target.destroy();
  }
}

/** The run's manifest, after checking that the folder is a run folder. */
async function loadRun(runDir: string): Promise<Manifest> {
  const info = await stat(runDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new NotARunFolderError(`${runDir} is not a folder; expected a run folder such as exports/2026-01-31_12-00-00`);
  let manifest: Manifest;
  try {
    manifest = await readManifest(runDir);
  } catch (error) {
    if (error instanceof ManifestError) throw new NotARunFolderError(error.message);
    throw error;
  }
  if (manifest.run !== basename(runDir)) {
    throw new NotARunFolderError(`${runDir}: its manifest describes run ${manifest.run}; expected the folder to be named after its run`);
  }
  return manifest;
}

/** The local file must be the one the manifest describes; a changed file is not uploaded under its name. */
async function checkLocal(job: UploadJob): Promise<void> {
  const info = await stat(job.absPath).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`missing locally (${job.absPath})`);
  if (info.size !== job.bytes) throw new Error(`local file is ${info.size} bytes, the manifest says ${job.bytes}`);
  if ((await sha256File(job.absPath)) !== job.sha256) throw new Error('local file does not match the SHA-256 in the manifest');
}

async function jobForManifest(runDir: string, target: S3Target, runId: string): Promise<UploadJob> {
  const absPath = join(runDir, MANIFEST_FILE);
  const { size } = await stat(absPath);
  return {
    path: MANIFEST_FILE,
    absPath,
    key: target.keyOf(runId, MANIFEST_FILE),
    bytes: size,
    sha256: await sha256File(absPath),
    contentType: JSON_CONTENT_TYPE,
  };
}

/** Hex SHA-256 of a file, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// The pipeline registry: ITEM_PIPELINES names pipelines from here and gives their order.
import type { PipelineFactory } from '../core/pipeline.js';
import { ManifestPipeline } from './manifest-pipeline.js';
import { NdjsonWriterPipeline } from './ndjson-writer.js';
import { S3UploadPipeline } from './s3-uploader.js';

export const PIPELINES: Record<string, PipelineFactory> = {
  /** NDJSON lines into chunk files of OUTPUT_LINES_PER_FILE lines, per output stem. */
  ndjson: () => new NdjsonWriterPipeline(),
  /** Each finished chunk to S3 while crawling; the manifest last. Needs to close before 'manifest'. */
  s3: () => new S3UploadPipeline(),
  /** manifest.json, written (and handed to the uploader) last. */
  manifest: () => new ManifestPipeline(),
};

export { ManifestPipeline, NdjsonWriterPipeline, S3UploadPipeline };
export { uploadRun, NotARunFolderError, type UploadRunOptions, type UploadRunResult } from './upload-run.js';

// The pipeline registry: ITEM_PIPELINES names pipelines from here and gives their order. The output
// stages form one line, in that order: ndjson (items → closed chunk files) → s3 (→ stored files)
// → manifest (→ manifest.json, which s3 stores last).
import type { PipelineFactory } from '../core/pipeline.js';
import { ManifestPipeline } from './manifest-pipeline.js';
import { NdjsonWriterPipeline } from './ndjson-writer.js';
import { S3UploadPipeline } from './s3-uploader.js';

export const PIPELINES: Record<string, PipelineFactory> = {
  /** NDJSON lines into chunk files of OUTPUT_LINES_PER_FILE lines, per output stem. */
  ndjson: () => new NdjsonWriterPipeline(),
  /** Each finished chunk to S3 while crawling; what the stages after it make at close (the manifest) last. */
  s3: () => new S3UploadPipeline(),
  /** manifest.json, from the items and the files passed to it; written as it closes. */
  manifest: () => new ManifestPipeline(),
};

export { ManifestPipeline, NdjsonWriterPipeline, S3UploadPipeline };
export { uploadRun, NotARunFolderError, type UploadRunOptions, type UploadRunResult } from './upload-run.js';

// The crawl's one S3 client: the uploader and the incremental state store get the same one, and the
// engine's release closes it (the next crawl, with its own settings, gets its own).
import { describe, expect, test } from '@jest/globals';
import { releaseRunS3Client, runS3Client } from '../../src/pipelines/s3-client.js';
import { defaultSettings } from '../../src/settings.js';

describe('runS3Client', () => {
  test('one client per crawl settings, a new one after release, none shared between crawls', () => {
    const settings = defaultSettings({ AWS_BUCKET_NAME: 'b', AWS_S3_ENDPOINT: 'http://127.0.0.1:9' });
    const other = defaultSettings({ AWS_BUCKET_NAME: 'b', AWS_S3_ENDPOINT: 'http://127.0.0.1:9' });
    const first = runS3Client(settings);
    expect(runS3Client(settings)).toBe(first);
    expect(runS3Client(other)).not.toBe(first);
    releaseRunS3Client(settings);
    expect(runS3Client(settings)).not.toBe(first);
    releaseRunS3Client(settings);
    releaseRunS3Client(other);
  });
});

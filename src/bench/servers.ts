// The two servers a benchmark runs in its own process: the Zoho sandbox and the local S3 store.
export { startSandbox } from '../sandbox/index.js';
export { startLocalS3 } from '../dev/local-s3.js';

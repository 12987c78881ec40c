// The two servers a benchmark runs in its own process: the Zoho sandbox and the local S3 store.
// TEMPORARY: resolved at run time until src/sandbox/index.ts and src/dev/local-s3.ts land, so the
// tree type-checks meanwhile; becomes two static imports then.
import type { Sandbox, SandboxOptions } from '../sandbox/types.js';

const SANDBOX_MODULE = '../sandbox/index.js';
const LOCAL_S3_MODULE = '../dev/local-s3.js';

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const mod = (await import(SANDBOX_MODULE)) as { startSandbox(o: SandboxOptions): Promise<Sandbox> };
  return mod.startSandbox(opts);
}

export interface LocalS3 {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startLocalS3(): Promise<LocalS3> {
  const mod = (await import(LOCAL_S3_MODULE)) as { startLocalS3(): Promise<LocalS3> };
  return mod.startLocalS3();
}

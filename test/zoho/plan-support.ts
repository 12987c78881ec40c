// `plan zoho` through the CLI's own main, in the test's process: what it prints and its exit code.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { captureStream } from '../support/capture.js';

export interface Planned {
  code: number;
  stdout: string;
  stderr: string;
  /** The working directory it ran in: a plan leaves it empty. */
  cwd: string;
}

/** `plan zoho --json` by default (or the args given, e.g. crawl zoho --plan) against the sandbox, in a fresh working directory under `tmp`. */
export async function planCli(tmp: string, sandbox: Sandbox, env: Record<string, string>, args: string[] = ['plan', 'zoho', '--json']): Promise<Planned> {
  const stdout = captureStream();
  const stderr = captureStream();
  const cwd = mkdtempSync(join(tmp, 'cwd-'));
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, cwd, env: { ...sandbox.settings(), LOG_FORMAT: 'json', ...env } });
  return { code, stdout: stdout.text(), stderr: stderr.text(), cwd };
}

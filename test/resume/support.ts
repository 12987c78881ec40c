// Shared by the crash-resume tests: the CLI built from the current sources into a temp folder, run
// as a child process that a test can SIGKILL at an exact point (from a sandbox or S3 request hook),
// and the checks that a run folder holds exactly the sandbox's data, each line once.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import type { Sandbox, SandboxRequest } from '../../src/sandbox/index.js';
import { asSortedLines, diffRows, FAST_BACKOFF, readableModules, readRun, same } from '../zoho/support.js';

export const RUN_ID = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/;

export { buildCli } from '../support/build-cli.js';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The child of the run under way, for hooks that kill it. */
export const current: { child?: ChildProcess } = {};

export function runCli(cli: string, cwd: string, env: Record<string, string>, args: string[] = []): Promise<Ran> {
  const full: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...FAST_BACKOFF, ...env };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, 'crawl', 'zoho', ...args], { cwd, env: full, stdio: ['ignore', 'ignore', 'pipe'] });
    current.child = child;
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (current.child === child) current.child = undefined;
      done({ code, signal, stderr });
    });
  });
}

/** A hook that SIGKILLs the running CLI the first time `when` is true. */
export function killWhen<T>(when: (request: T) => boolean): { hook: (request: T) => void; fired: () => boolean } {
  let fired = false;
  return {
    hook: (request) => {
      if (fired || !current.child || !when(request)) return;
      fired = true;
      current.child.kill('SIGKILL');
    },
    fired: () => fired,
  };
}

/**
 * Runs the crawl with the sandbox's request hook (set through `setHook`) armed to SIGKILL it at the
 * request `when` picks, and checks that it died of that. Returns the killed run's folder.
 */
export async function crawlKilledAt(
  cli: string,
  cwd: string,
  env: Record<string, string>,
  setHook: (hook: (request: SandboxRequest) => void) => void,
  when: (request: SandboxRequest) => boolean,
): Promise<string> {
  const kill = killWhen<SandboxRequest>(when);
  setHook(kill.hook);
  const first = await runCli(cli, cwd, env);
  setHook(() => {});
  expect(kill.fired()).toBe(true);
  expect(first.signal).toBe('SIGKILL');
  return onlyRun(env.LOCAL_OUTPUT_DIRECTORY);
}

export function onlyRun(outputDir: string): string {
  const runs = readdirSync(outputDir).filter((d) => RUN_ID.test(d));
  expect(runs).toHaveLength(1);
  return join(outputDir, runs[0]);
}

export const linesOf = (text: string): string[] => text.split("\n").filter(Boolean);
const linesOfFile = (path: string): string[] => linesOf(readFileSync(path, "utf8"));
export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

interface ManifestShape {
  status: string;
  modules: Record<
    string,
    { records: number; deleted: number; fields: unknown[]; files: Array<{ path: string; lines: number; bytes: number; sha256: string }> }
  >;
}

export const readManifestJson = (runDir: string): ManifestShape => JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as ManifestShape;

/**
 * The run folder holds exactly the sandbox's data: every module's records and deletions, each line
 * once; every chunk but a stem's last has exactly `linesPerFile` lines; the manifest is complete and
 * lists exactly the files on disk with their true lines, bytes and SHA-256.
 */
export function expectExactRun(runDir: string, sandbox: Sandbox, linesPerFile: number): void {
  const stems = readRun(runDir);
  const d = sandbox.dataset;
  for (const module of readableModules(sandbox, false)) {
    const records = (stems.get(module) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect({ module, diff: diffRows(records, d.records(module)) }).toEqual({ module, diff: same(d.count(module)) });
    const deleted = stems.get(`${module}-Deleted`) ?? [];
    expect({ module, deleted: asSortedLines(deleted.map((l) => JSON.parse(l) as Record<string, unknown>)) }).toEqual({
      module,
      deleted: asSortedLines(d.deleted(module)),
    });
    expect(new Set(deleted).size).toBe(deleted.length);
  }
  const manifest = readManifestJson(runDir);
  expect(manifest.status).toBe('complete');
  const listed = Object.values(manifest.modules).flatMap((m) => m.files);
  const onDisk: string[] = [];
  for (const stem of readdirSync(runDir, { withFileTypes: true })) {
    if (!stem.isDirectory()) continue;
    const files = readdirSync(join(runDir, stem.name)).sort((a, b) => Number(/-(\d+)\./.exec(a)![1]) - Number(/-(\d+)\./.exec(b)![1]));
    files.forEach((f, i) => {
      expect(f).toBe(`${stem.name}-${i}.json`);
      const n = linesOfFile(join(runDir, stem.name, f)).length;
      if (i < files.length - 1) expect(n).toBe(linesPerFile);
      onDisk.push(`${stem.name}/${f}`);
    });
  }
  expect(listed.map((f) => f.path).sort()).toEqual(onDisk.sort());
  for (const f of listed) {
    const bytes = readFileSync(join(runDir, f.path));
    expect({ path: f.path, lines: f.lines, bytes: f.bytes, sha256: f.sha256 }).toEqual({
      path: f.path,
      lines: linesOfFile(join(runDir, f.path)).length,
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
  }
  for (const module of readableModules(sandbox, false)) {
    expect({ module, records: manifest.modules[module]?.records }).toEqual({ module, records: d.count(module) });
    expect({ module, deleted: manifest.modules[module]?.deleted }).toEqual({ module, deleted: d.deletedCount(module) });
    expect((manifest.modules[module]?.fields ?? []).length).toBe(d.fields(module).length);
  }
}

export interface MarkerShape {
  run: string;
  status: string;
  stems: Record<string, { module: string; kind: string }>;
  done: string[];
}

export const readMarkerJson = (outputDir: string): MarkerShape =>
  JSON.parse(readFileSync(join(outputDir, '.state', 'runs', 'zoho.json'), 'utf8')) as MarkerShape;

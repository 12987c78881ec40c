// Runs the real CLI (`node dist/cli.js crawl <spider>`) as a child process and measures it from outside:
// wall time from spawn to exit, and peak RSS. Peak RSS is taken two ways and the larger is kept:
// VmHWM polled from /proc/<pid>/status (the kernel's high-water mark, so a late poll loses nothing
// but the last interval), and the same VmHWM read by a tiny --import probe at the child's exit (not
// getrusage's maxrss: see rss-probe.ts), so the final milliseconds are not missed either. The probe
// also reports the child's CPU time.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';

export interface ChildRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** max(VmHWM polled, VmHWM reported at exit), bytes. */
  peakRssBytes: number;
  polledHwmBytes: number;
  exitMaxRssBytes: number | null;
  /** The child's user + system CPU time (from the exit probe), ms; null when the probe did not report. */
  cpuMs: number | null;
  /** The system part of cpuMs (syscalls: sockets, file writes and reads), ms; null as cpuMs. */
  systemCpuMs: number | null;
  /** The last few KB of stderr, for diagnosing a failed run. */
  stderrTail: string;
}

export interface ChildOptions {
  /** Absolute path of dist/cli.js. */
  cliPath: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Extra node flags, e.g. --cpu-prof --cpu-prof-dir=… */
  nodeFlags?: string[];
  /** Where the exit probe writes its figures; a file in a temp dir. */
  probeOutFile: string;
  pollMs?: number;
}

const PROBE_URL = new URL('./rss-probe.js', import.meta.url).href;

export async function runChild(opts: ChildOptions): Promise<ChildRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', PROBE_URL, opts.cliPath, ...opts.args], {
    cwd: opts.cwd,
    env: { ...opts.env, BENCH_RSS_PROBE_FILE: opts.probeOutFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });

  let polledHwm = 0;
  let polling = true;
  const statusPath = `/proc/${child.pid}/status`;
  const poll = async (): Promise<void> => {
    while (polling) {
      const hwm = await readHwm(statusPath);
      if (hwm !== null && hwm > polledHwm) polledHwm = hwm;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 20));
    }
  };
  const poller = poll();

  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (c, s) => done({ code: c, signal: s }));
  });
  const wallMs = performance.now() - started;
  polling = false;
  await poller;
  const probe = await readProbe(opts.probeOutFile);
  const exitMaxRss = probe ? probe.maxRssKb * 1024 : null;
  return {
    exitCode: code,
    signal,
    wallMs,
    peakRssBytes: Math.max(polledHwm, exitMaxRss ?? 0),
    polledHwmBytes: polledHwm,
    exitMaxRssBytes: exitMaxRss,
    cpuMs: probe ? (probe.userCpuUs + probe.systemCpuUs) / 1000 : null,
    systemCpuMs: probe ? probe.systemCpuUs / 1000 : null,
    stderrTail: stderr,
  };
}

/** VmHWM in bytes, or null once the process is gone (a zombie's status has no Vm lines). */
async function readHwm(statusPath: string): Promise<number | null> {
  try {
    const text = await readFile(statusPath, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(text);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const ProbeSchema = z.object({ maxRssKb: z.number().positive(), userCpuUs: z.number().nonnegative(), systemCpuUs: z.number().nonnegative() });

async function readProbe(file: string): Promise<z.infer<typeof ProbeSchema> | null> {
  try {
    const parsed = ProbeSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const probeFileIn = (dir: string): string => join(dir, 'usage.json');

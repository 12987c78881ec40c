// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function,
// self time per area (Crawlee, got, zod, the AWS SDK, our own layers, GC…), and time per project
// function including the library code it called.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';

const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export interface ProfileLine {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Without (idle): time the thread was busy. */
  busyMs: number;
  topSelf: ProfileLine[];
  byArea: ProfileLine[];
  /** Per project function (dist/…), the time spent in it and in the library/native code under it. */
  byProjectFunction: ProfileLine[];
}

/** Which part of the stack a frame's URL belongs to. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
    return 'native/builtin';
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) {
    const pkg = nm[1];
    if (pkg.startsWith('@crawlee/') || pkg === 'crawlee') return 'crawlee';
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/')) return 'aws-sdk';
    if (/^(got|got-scraping|header-generator|http2-wrapper|cacheable-|@szmarczak|tough-cookie)/.test(pkg)) return `http client (${pkg})`;
    return pkg;
  }
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `project: ${dist[1]}`;
  if (/\/dist\/[^/]+\.js$/.test(url)) return 'project: top';
  if (url.startsWith('node:internal/deps/undici')) return 'undici (fetch)';
  if (url.startsWith('node:internal/')) return `node: ${url.slice('node:internal/'.length).split('/')[0].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  return 'other';
}

const isProject = (url: string): boolean => /\/dist\//.test(url) && !url.includes('node_modules');

export async function summariseProfile(file: string, top = 25): Promise<ProfileSummary> {
  const p = ProfileSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample's time is the delta to the next sample.
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + Math.max(0, dt));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;

  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  const proj = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const label = (id: number): [string, string] => {
    const f = byId.get(id)!.callFrame;
    if (f.url || f.functionName.startsWith('(')) return [f.functionName || '(anonymous)', f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''];
    // A builtin (JSON.parse, Buffer writes, hashing) is named after the JS function that called it.
    const caller = parent.get(id);
    const c = caller === undefined ? undefined : byId.get(caller)!.callFrame;
    return [f.functionName || '(anonymous)', c ? `called by ${c.functionName || '(anonymous)'} ${shortUrl(c.url)}:${c.lineNumber + 1}` : ''];
  };
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const [name, where] = label(id);
    add(fn, `${name}\u0000${where}`, us);
    add(area, areaOf(f.url, f.functionName), us);
    let cur: number | undefined = id;
    while (cur !== undefined && !isProject(byId.get(cur)!.callFrame.url)) cur = parent.get(cur);
    if (cur === undefined) add(proj, `(no project frame: ${areaOf(f.url, f.functionName)})\u0000`, us);
    else {
      const [pn, pw] = label(cur);
      add(proj, `${pn}\u0000${pw}`, us);
    }
  }
  const lines = (m: Map<string, number>, n: number): ProfileLine[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => {
        const [name, where = ''] = k.split('\u0000');
        return { name, where, ms: us / 1000, percent: busy ? (100 * us) / busy : 0 };
      });
  return { file, totalMs: total / 1000, busyMs: busy / 1000, topSelf: lines(fn, top), byArea: lines(area, 30), byProjectFunction: lines(proj, top) };
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.startsWith('file://') ? basename(url) : url;
}

/** The .cpuprofile files node wrote into `dir`. */
export async function profilesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  } catch {
    return [];
  }
}

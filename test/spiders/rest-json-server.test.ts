// The rest spider against a REST server this project did not write: json-server 0.17 (a
// devDependency), started from its own CLI in a child process on a db.json written here. Its
// `_page`/`_limit` paging answers a Link header (rel first/prev/next/last) and X-Total-Count, so
// `crawl rest -s REST_NEXT=link` must walk exactly its pages and write every record once, unchanged.
// The project's CLI runs as a user runs it (a child process), so this is the whole chain.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildCli } from '../support/build-cli.js';

const require = createRequire(import.meta.url);

/** The CLI script json-server's package.json names as its bin. */
function jsonServerBin(): { bin: string; version: string } {
  const pkgPath = require.resolve('json-server/package.json');
  const pkg = require(pkgPath) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['json-server'];
  return { bin: join(dirname(pkgPath), bin), version: pkg.version };
}

// ---- the data: mixed values json-server must hand back as they are ----

const TEXTS = [
  'Grüße aus Köln',
  '東京都 渋谷区',
  'שלום עולם',
  'emoji 🦀🚀 and a ZWJ family 👩‍👩‍👧',
  'combining e\u0301 vs é',
  'quotes " and \\ backslash',
  'a line\nbreak and a\ttab',
  'line separators \u2028 and \u2029 inside',
  '',
  '   spaces kept   ',
];

type Row = Record<string, unknown> & { id: number };

/** Record i (1-based): every shape json-server stores — nested objects, arrays, nulls, numbers. */
function row(i: number): Row {
  const r: Row = {
    id: i,
    title: `${TEXTS[i % TEXTS.length]} #${i}`,
    price: i % 7 === 0 ? null : Math.round(i * 13.37 * 100) / 100,
    quantity: i % 5 === 0 ? 0 : i % 3 === 0 ? -i : i * 1000,
    active: i % 2 === 0,
    tags: i % 4 === 0 ? [] : ['a', `t${i % 3}`, i % 6 === 0 ? null : 'ünï'],
    owner:
      i % 9 === 0
        ? null
        : {
            id: `u-${i % 11}`,
            name: TEXTS[(i * 3) % TEXTS.length],
            address: { city: i % 2 ? 'Zürich' : 'São Paulo', zip: i % 10 === 0 ? null : String(8000 + i) },
          },
  };
  // Some records have keys the others lack, and big or tiny numbers.
  if (i % 10 === 1) r.big = Number.MAX_SAFE_INTEGER - i;
  if (i % 10 === 2) r.tiny = 1e-7 * i;
  if (i % 10 === 3) r.matrix = [[1, 2], [3, [4, { deep: TEXTS[i % TEXTS.length] }]]];
  if (i % 10 === 4) r['ключ с пробелом'] = { 'nested "quoted" key': true };
  return r;
}

const rows = (count: number): Row[] => Array.from({ length: count }, (_, k) => row(k + 1));

// ---- json-server in a child process ----

interface JsonServer {
  base: string;
  version: string;
  /** Lines json-server has logged once every request made so far is logged: where the requests of one test start. */
  mark(): Promise<number>;
  /** The URLs (path and query) of the GETs on `path` logged after `mark`, once every earlier request is logged. */
  getsSince(mark: number, path: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A port that was free a moment ago (json-server's CLI prints no port it picked itself, so it is given one). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

// morgan's "dev" format colours the status even into a pipe.
const ANSI = /\x1b\[[0-9;]*m/g;
const READY_WITHIN_MS = 20_000;

async function startJsonServer(dbFile: string, cwd: string): Promise<JsonServer> {
  const { bin, version } = jsonServerBin();
  // The port was free when probed; another process may take it before json-server binds. Then the
  // child exits ("Cannot bind"), and a new port is tried: a bounded number of times.
  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // No NODE_ENV: json-server's request log is off when NODE_ENV=test (as under jest). No --watch.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    const child = spawn(process.execPath, [bin, dbFile, '--host', '127.0.0.1', '--port', String(port)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const listeners = new Set<() => void>();
    const onOutput = (d: string): void => {
      output += d;
      for (const l of listeners) l();
    };
    child.stdout!.setEncoding('utf8').on('data', onOutput);
    child.stderr!.setEncoding('utf8').on('data', onOutput);
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    let gone = false;
    void exited.then(() => (gone = true));

    const base = `http://127.0.0.1:${port}`;
    if (await ready(`${base}/__ready`, () => gone)) {
      return server(child, base, version, () => output, listeners, exited);
    }
    lastFailure = output;
    if (!gone) await stop(child, exited);
  }
  throw new Error(`json-server did not start:\n${lastFailure}`);
}

/** Polls until the server answers any HTTP response; false once the child has exited or time is up. */
async function ready(url: string, gone: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!gone() && Date.now() < deadline) {
    try {
      await (await fetch(url)).arrayBuffer();
      return true;
    } catch {
      await delay(25); // the poll interval; readiness itself is the HTTP answer
    }
  }
  return false;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function server(child: ChildProcess, base: string, version: string, output: () => string, listeners: Set<() => void>, exited: Promise<void>): JsonServer {
  const lines = (): string[] => output().replace(ANSI, '').split('\n');
  let fences = 0;
  // A fence request: json-server serves and logs one request after another, so once the fence is
  // in the log, so is every request made before it (a test's own requests included).
  async function fenced(): Promise<void> {
    const fence = `/__fence-${++fences}`;
    const logged = (): boolean => lines().some((l) => l.startsWith(`GET ${fence} `));
    const seen = new Promise<void>((ok) => {
      const check = (): void => {
        if (!logged()) return;
        listeners.delete(check);
        ok();
      };
      listeners.add(check);
      check();
    });
    await (await fetch(`${base}${fence}`)).arrayBuffer();
    await seen;
  }
  return {
    base,
    version,
    async mark() {
      await fenced();
      return lines().length - 1;
    },
    async getsSince(mark, path) {
      await fenced();
      return lines()
        .slice(mark)
        .map((l) => /^GET (\S+) /.exec(l)?.[1])
        .filter((u): u is string => u !== undefined && new URL(u, base).pathname === path);
    },
    close: () => stop(child, exited),
  };
}

// ---- the project's CLI ----

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

let CLI: string;

/** `node cli.js crawl rest …` with a clean environment (no AWS settings, no .env of the repository). */
function crawlRest(settings: Record<string, string>, cwd: string): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json' };
  const args = ['crawl', 'rest', ...Object.entries(settings).flatMap(([k, v]) => ['-s', `${k}=${v}`])];
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface RunFolder {
  manifest: {
    status: string;
    api: { requests: number };
    modules: Record<string, { records: number; files: Array<{ path: string; lines: number }> }>;
    errors?: unknown[];
  };
  /** Every chunk file of the stem, in chunk order, each line parsed. */
  records: Row[];
  /** The chunk files on disk with their line counts. */
  files: Array<{ path: string; lines: number }>;
}

async function readRunFolder(outputDir: string, stem: string): Promise<RunFolder> {
  const runs = (await readdir(outputDir)).filter((d) => /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(d));
  expect(runs).toHaveLength(1);
  const runDir = join(outputDir, runs[0]);
  const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as RunFolder['manifest'];
  const index = (name: string): number => Number(/-(\d+)\.json$/.exec(name)?.[1] ?? NaN);
  const names = (await readdir(join(runDir, stem))).sort((a, b) => index(a) - index(b));
  const records: Row[] = [];
  const files: RunFolder['files'] = [];
  for (const name of names) {
    const lines = (await readFile(join(runDir, stem, name), 'utf8')).split('\n').filter(Boolean);
    files.push({ path: `${stem}/${name}`, lines: lines.length });
    records.push(...lines.map((l) => JSON.parse(l) as Row));
  }
  return { manifest, records, files };
}

/** Ids written more than once, ids of the server missing from the output, ids the server does not have. */
function idCheck(written: Row[], expected: Row[]): { duplicated: number[]; missing: number[]; unknown: number[] } {
  const counts = new Map<number, number>();
  for (const r of written) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  const known = new Set(expected.map((r) => r.id));
  return {
    duplicated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    missing: expected.map((r) => r.id).filter((id) => !counts.has(id)),
    unknown: [...counts.keys()].filter((id) => !known.has(id)),
  };
}

const NONE = { duplicated: [], missing: [], unknown: [] };
const pageUrls = (path: string, limit: number, pages: number): string[] => Array.from({ length: pages }, (_, k) => `${path}?_page=${k + 1}&_limit=${limit}`);

// ---- the tests ----

const PARTIAL = 237; // with _limit=50: 5 pages, the last one of 37
const EXACT = 200; // with _limit=50: 4 full pages, the last Link without rel="next"
const LIMIT = 50;
const LINES_PER_FILE = 100;

let tmp: string;
let db: { items: Row[]; exact: Row[] };
let js: JsonServer;

beforeAll(async () => {
  CLI = buildCli();
  tmp = await mkdtemp(join(tmpdir(), 'rest-json-server-'));
  db = { items: rows(PARTIAL), exact: rows(EXACT) };
  const dbFile = join(tmp, 'db.json');
  await writeFile(dbFile, JSON.stringify(db, null, 2));
  // What the server reads is the file: the expected records are the file parsed back.
  db = JSON.parse(await readFile(dbFile, 'utf8')) as typeof db;
  js = await startJsonServer(dbFile, tmp);
}, 60_000);

afterAll(async () => {
  await js?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe(`rest spider against json-server (${jsonServerBin().version}, its own CLI)`, () => {
  test('json-server is the 0.17 line: _page/_limit answer a Link header with first/next/last and X-Total-Count', async () => {
    expect(js.version).toMatch(/^0\.17\./);
    const response = await fetch(`${js.base}/items?_page=1&_limit=${LIMIT}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-total-count')).toBe(String(PARTIAL));
    const link = response.headers.get('link') ?? '';
    expect(link).toContain(`<${js.base}/items?_page=2&_limit=${LIMIT}>; rel="next"`);
    expect(link).toContain(`<${js.base}/items?_page=5&_limit=${LIMIT}>; rel="last"`);
    expect(((await response.json()) as Row[]).map((r) => r.id)).toEqual(db.items.slice(0, LIMIT).map((r) => r.id));
  });

  test(`${PARTIAL} records, _limit=${LIMIT}, REST_NEXT=link: exit 0, ${Math.ceil(PARTIAL / LIMIT)} pages requested once each, ` +
    'every record once and equal, manifest complete', async () => {
    const out = join(tmp, 'partial');
    const mark = await js.mark();
    const r = await crawlRest(
      {
        REST_URL: `${js.base}/items?_page=1&_limit=${LIMIT}`,
        REST_NEXT: 'link',
        REST_RESOURCE: 'items',
        OUTPUT_LINES_PER_FILE: String(LINES_PER_FILE),
        LOCAL_OUTPUT_DIRECTORY: out,
      },
      tmp,
    );
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });

    const pages = Math.ceil(PARTIAL / LIMIT);
    expect(await js.getsSince(mark, '/items')).toEqual(pageUrls('/items', LIMIT, pages));

    const run = await readRunFolder(out, 'items');
    expect(idCheck(run.records, db.items)).toEqual(NONE);
    expect(run.records).toEqual(db.items);
    expect(run.manifest.status).toBe('complete');
    expect(run.manifest.errors).toBeUndefined();
    expect(run.manifest.api.requests).toBe(pages);
    expect(run.manifest.modules.items.records).toBe(PARTIAL);
    // 237 lines in chunks of 100: 100, 100, 37, as the manifest lists them.
    expect(run.files).toEqual([
      { path: 'items/items-0.json', lines: 100 },
      { path: 'items/items-1.json', lines: 100 },
      { path: 'items/items-2.json', lines: 37 },
    ]);
    expect(run.manifest.modules.items.files.map((f) => ({ path: f.path, lines: f.lines }))).toEqual(run.files);
  }, 120_000);

  test(`${EXACT} records, _limit=${LIMIT} (divides exactly): the last page's Link has no next, so ${EXACT / LIMIT} pages and no empty one after`, async () => {
    const lastPage = await fetch(`${js.base}/exact?_page=${EXACT / LIMIT}&_limit=${LIMIT}`);
    await lastPage.arrayBuffer();
    const lastLink = lastPage.headers.get('link') ?? '';
    expect(lastLink).toContain('rel="prev"');
    expect(lastLink).not.toContain('rel="next"');

    const out = join(tmp, 'exact');
    const mark = await js.mark();
    const r = await crawlRest(
      {
        REST_URL: `${js.base}/exact?_page=1&_limit=${LIMIT}`,
        REST_NEXT: 'link',
        REST_RESOURCE: 'exact',
        OUTPUT_LINES_PER_FILE: String(LINES_PER_FILE),
        LOCAL_OUTPUT_DIRECTORY: out,
      },
      tmp,
    );
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await js.getsSince(mark, '/exact')).toEqual(pageUrls('/exact', LIMIT, EXACT / LIMIT));

    const run = await readRunFolder(out, 'exact');
    expect(idCheck(run.records, db.exact)).toEqual(NONE);
    expect(run.records).toEqual(db.exact);
    expect(run.manifest.status).toBe('complete');
    expect(run.manifest.api.requests).toBe(EXACT / LIMIT);
    expect(run.manifest.modules.exact.records).toBe(EXACT);
    expect(run.files.map((f) => f.lines)).toEqual([100, 100]);
  }, 120_000);

  test('REST_MAX_PAGES=2: two pages requested, their 100 records written, the cap named in the log, exit 0', async () => {
    const out = join(tmp, 'max-pages');
    const mark = await js.mark();
    const r = await crawlRest(
      {
        REST_URL: `${js.base}/items?_page=1&_limit=${LIMIT}`,
        REST_NEXT: 'link',
        REST_RESOURCE: 'items',
        REST_MAX_PAGES: '2',
        LOCAL_OUTPUT_DIRECTORY: out,
      },
      tmp,
    );
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stderr).toContain('stopped after 2 pages (REST_MAX_PAGES) although the API has more');
    expect(await js.getsSince(mark, '/items')).toEqual(pageUrls('/items', LIMIT, 2));

    const run = await readRunFolder(out, 'items');
    expect(idCheck(run.records, db.items.slice(0, 2 * LIMIT))).toEqual(NONE);
    expect(run.records).toEqual(db.items.slice(0, 2 * LIMIT));
    expect(run.manifest.status).toBe('complete');
    expect(run.manifest.api.requests).toBe(2);
  }, 120_000);

  test('REST_NEXT=page:_page on the same server: counts pages up to the first empty one, every record once', async () => {
    const out = join(tmp, 'page-param');
    const mark = await js.mark();
    const r = await crawlRest(
      {
        REST_URL: `${js.base}/items?_page=1&_limit=${LIMIT}`,
        REST_NEXT: 'page:_page',
        REST_RESOURCE: 'items',
        LOCAL_OUTPUT_DIRECTORY: out,
      },
      tmp,
    );
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    // page:<param> knows no Link header: it stops at the first empty page, one past the last.
    const pages = Math.ceil(PARTIAL / LIMIT) + 1;
    expect(await js.getsSince(mark, '/items')).toEqual(pageUrls('/items', LIMIT, pages));

    const run = await readRunFolder(out, 'items');
    expect(idCheck(run.records, db.items)).toEqual(NONE);
    expect(run.records).toEqual(db.items);
    expect(run.manifest.status).toBe('complete');
    expect(run.manifest.api.requests).toBe(pages);
  }, 120_000);
});

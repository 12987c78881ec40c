// The command line as a user meets it: `node cli.js …` as a real child process, built from the current
// sources into a temp folder (never a stale dist/, and no race with other suites building dist/).
// The crawl exit codes go through main() with a probe spider put in the registry by this test only.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../src/cli.js';
import { EXIT, exitCodeOf } from '../../src/core/report.js';
import { request, Spider, type SpiderOutput } from '../../src/core/spider.js';
import { SPIDERS } from '../../src/spiders/index.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { MASK, SETTING_NAMES } from '../../src/settings.js';
import { buildCli } from '../support/build-cli.js';
import { captureStream } from '../support/capture.js';

let tmp: string;
let cliPath: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cli-test-'));
  cliPath = buildCli(tmp);
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A working directory of its own, with this `.env` if given. */
function workdir(dotenv?: string): string {
  const d = mkdtempSync(join(tmp, 'cwd-'));
  if (dotenv !== undefined) writeFileSync(join(d, '.env'), dotenv);
  return d;
}

/** Runs a script with a clean environment: nothing from the developer's shell leaks in. */
function node(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', ...opts.env };
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd: opts.cwd ?? workdir(), env, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const cli = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => node([cliPath, ...args], opts);
const linesOf = (text: string) => text.split('\n').filter(Boolean);

describe('cli: usage', () => {
  test('--help prints the usage and exits 0', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: zoho-crawler <command>');
      expect(r.stdout).toContain('Exit codes: 0 run complete, 1 run failed or partial, 2 bad arguments or settings.');
      expect(r.stderr).toBe('');
    }
  });

  test('no command prints the usage and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage:');
  });

  test('an unknown command exits 2 with one line saying what was expected', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown command "frobnicate"; expected crawl, [a-z, ]*list, settings or help\n$/);
    expect(r.stdout).toBe('');
  });

  test('an unknown option exits 2', async () => {
    const r = await cli(['list', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: unknown option --frob\n');
  });

  test('-s without NAME=VALUE after it exits 2', async () => {
    const r = await cli(['settings', '-s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: -s needs NAME=VALUE after it\n');
  });

  test('crawl of an unknown spider exits 2 naming it and the spiders there are', async () => {
    const r = await cli(['crawl', 'nosuchspider']);
    expect(r.code).toBe(2);
    expect(linesOf(r.stderr)).toEqual([`error: no spider named "nosuchspider"; expected one of: ${Object.keys(SPIDERS).join(', ')}`]);
  });

  test('crawl without a spider name exits 2', async () => {
    const r = await cli(['crawl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: crawl needs a spider name; see `list`\n');
  });

  test('list prints the registered spiders, one per line', async () => {
    const r = await cli(['list']);
    expect(r.code).toBe(0);
    expect(linesOf(r.stdout)).toEqual(Object.keys(SPIDERS));
    expect(r.stderr).toBe('');
  });
});

describe('cli: settings', () => {
  const SECRET = 'cs-5d41402abc4b2a76b9719d911017c592';

  test('shows every setting with the source of its value, secrets masked', async () => {
    const cwd = workdir('LOG_LEVEL=warn\nOUTPUT_LINES_PER_FILE=10\n');
    const r = await cli(['settings', '-s', 'ZOHO_DATA_CENTER=eu', '-sOUTPUT_FILE_TYPE=ndjson'], {
      cwd,
      env: { OUTPUT_LINES_PER_FILE: '5000', ZOHO_CLIENT_SECRET: SECRET, ZOHO_MODULE_WHITELIST: 'Leads,Contacts' },
    });
    expect(r.code).toBe(0);
    const rows = new Map(linesOf(r.stdout).map((l) => [l.split(/\s+/)[0], l.replace(/^\S+\s+/, '')]));
    expect([...rows.keys()]).toEqual(SETTING_NAMES);
    expect(rows.get('ZOHO_DATA_CENTER')).toBe('eu  [cli]');
    expect(rows.get('OUTPUT_FILE_TYPE')).toBe('ndjson  [cli]');
    expect(rows.get('OUTPUT_LINES_PER_FILE')).toBe('5000  [env]');
    expect(rows.get('ZOHO_MODULE_WHITELIST')).toBe('Leads,Contacts  [env]');
    expect(rows.get('LOG_LEVEL')).toBe('warn  [.env]');
    expect(rows.get('AWS_REGION')).toBe('us-east-1  [default]');
    expect(rows.get('ZOHO_MAX_RECORDS_PER_MODULE')).toBe('(unset)  [default]');
    expect(rows.get('ZOHO_CLIENT_SECRET')).toBe(`${MASK}  [env]`);
    expect(rows.get('ZOHO_REFRESH_TOKEN')).toBe('(unset)  [default]');
    // Unset with a documented meaning: DESIGN's "default ALL".
    const defaults = await cli(['settings'], { cwd: workdir(''), env: {} });
    expect(new Map(linesOf(defaults.stdout).map((l) => [l.split(/\s+/)[0], l.replace(/^\S+\s+/, '')])).get('ZOHO_MODULE_WHITELIST')).toBe('ALL  [default]');
    // Not the secret, nor any piece of it.
    for (const piece of [SECRET, SECRET.slice(0, 6), SECRET.slice(-6)]) expect(r.stdout + r.stderr).not.toContain(piece);
  });

  test('a bad value exits 2 with one line per bad setting, whatever its source', async () => {
    const cwd = workdir('ZOHO_INCLUDE_DELETED=perhaps\n');
    const r = await cli(['settings', '-s', 'OUTPUT_LINES_PER_FILE=lots'], { cwd, env: { ZOHO_DATA_CENTER: 'moon' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(linesOf(r.stderr)).toEqual([
      'setting ZOHO_DATA_CENTER: "moon" is not allowed; expected one of us, eu, in, au, jp, cn, ca, sa, uk',
      'setting ZOHO_INCLUDE_DELETED: "perhaps" is not a boolean; expected true or false (also 1/0, yes/no, on/off)',
      'setting OUTPUT_LINES_PER_FILE: "lots" is not a whole number; expected a whole number ≥ 1',
    ]);
  });

  test('an unknown -s name exits 2 naming it', async () => {
    const r = await cli(['settings', '-s', 'OUTPUT_LINES_PER_FLIE=5']);
    expect(r.code).toBe(2);
    const lines = linesOf(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^setting OUTPUT_LINES_PER_FLIE: unknown setting; expected one of .*OUTPUT_LINES_PER_FILE/);
  });

  test('crawl checks its settings too: a bad value exits 2', async () => {
    const name = Object.keys(SPIDERS)[0];
    if (name === undefined) return; // no spider registered yet: the probe tests below cover crawl.
    const r = await cli(['crawl', name, '-s', 'OUTPUT_LINES_PER_FILE=0'], { env: { LOCAL_OUTPUT_DIRECTORY: join(tmp, 'never') } });
    expect(r.code).toBe(2);
    expect(linesOf(r.stderr)).toEqual(['setting OUTPUT_LINES_PER_FILE: 0 is out of range; expected a whole number ≥ 1']);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });
});

describe('cli: a crawl in a child process', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  test('the working directory gets no ./storage, stdout gets nothing from Crawlee, its lines go to the log', async () => {
    const cwd = workdir();
    const dist = pathToFileURL(dirname(cliPath)).href;
    const script = join(tmp, 'probe-crawl.mjs');
    writeFileSync(
      script,
      `import { crawl } from '${dist}/engine/engine.js';
import { Spider, request } from '${dist}/core/spider.js';
import { createLogger } from '${dist}/core/logger.js';
import { defaultSettings } from '${dist}/settings.js';
class Probe extends Spider {
  name = 'probe';
  callbacks = {
    one: async function* ({ request: req }) {
      const res = await fetch(req.url);
      yield { kind: 'record', module: 'M', data: await res.json() };
    },
  };
  async *startRequests() {
    yield request('one', process.argv[2] + '/a');
    yield request('one', process.argv[2] + '/b');
  }
}
const settings = defaultSettings({ LOCAL_OUTPUT_DIRECTORY: 'out', ITEM_PIPELINES: 'pass:1' });
const logger = createLogger({ level: 'debug', format: 'json' });
const r = await crawl({ spider: Probe, settings, logger, pipelines: { pass: () => ({ process: (i) => i }) } });
process.stdout.write(JSON.stringify({ status: r.status, items: r.items, runId: r.runId }) + '\\n', () => process.exit(0));
`,
    );
    const before = hits;
    const r = await node([script, base], { cwd });
    expect(r.code).toBe(0);
    const out = linesOf(r.stdout);
    expect(out).toHaveLength(1);
    const result = JSON.parse(out[0]) as { status: string; items: Record<string, number>; runId: string };
    expect(result.status).toBe('complete');
    expect(result.items).toEqual({ record: 2 });
    expect(hits - before).toBe(2);
    // LOCAL_OUTPUT_DIRECTORY is relative to the working directory; nothing else appears there.
    expect(readdirSync(cwd)).toEqual(['out']);
    for (const e of readdirSync(join(cwd, 'out'))) expect(['.state', result.runId]).toContain(e);
    const logged = linesOf(r.stderr).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.some((l) => l.source === 'crawlee')).toBe(true);
  });
});

describe('cli: crawl exit codes (main, with a probe spider registered by this test)', () => {
  let server: Server;
  let base: string;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    SPIDERS['foundation-probe'] = class extends Spider {
      readonly name = 'foundation-probe';
      override maxRequestRetries = 1;
      readonly callbacks = {
        one: async function* ({ request: req }: { request: { url: string } }): AsyncIterable<SpiderOutput> {
          const res = await fetch(req.url);
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          yield { kind: 'record', module: 'M', data: (await res.json()) as Record<string, unknown> };
        },
      };
      async *startRequests(): AsyncIterable<SpiderOutput> {
        // AWS_S3_PREFIX is only a convenient free-text setting to steer the probe to a failing path.
        yield request('one', `${base}/${this.ctx.settings.AWS_S3_PREFIX ?? 'ok'}`);
      }
    };
    PIPELINES['foundation-pass'] = () => ({ process: (item) => item });
  });
  afterAll(async () => {
    delete SPIDERS['foundation-probe'];
    delete PIPELINES['foundation-pass'];
    await new Promise((done) => server.close(done));
  });

  const capture = captureStream;

  async function runMain(args: string[], env: NodeJS.ProcessEnv = {}) {
    const stdout = capture();
    const stderr = capture();
    const out = join(tmp, `probe-out-${Math.random().toString(36).slice(2)}`);
    const code = await main(args, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      cwd: workdir(),
      env: { LOCAL_OUTPUT_DIRECTORY: out, ITEM_PIPELINES: 'foundation-pass:1', LOG_FORMAT: 'json', ...env },
    });
    return { code, stdout: stdout.text(), stderr: stderr.text(), out };
  }

  test('a NAME=VALUE typed without -s exits 2 and its value is not echoed: it may be a secret', async () => {
    const secret = 'cs-8277e0910d750195b448797616e091ad';
    const before = hits;
    for (const args of [
      ['crawl', 'foundation-probe', `ZOHO_CLIENT_SECRET=${secret}`],
      ['crawl', `ZOHO_CLIENT_SECRET=${secret}`],
      [`ZOHO_CLIENT_SECRET=${secret}`],
      ['crawl', 'foundation-probe', `--client-secret=${secret}`],
    ]) {
      const r = await runMain(args);
      expect(r.code).toBe(2);
      expect(linesOf(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/ZOHO_CLIENT_SECRET=…|--client-secret=…/);
      expect(r.stderr + r.stdout).not.toContain(secret.slice(3));
    }
    expect(linesOf((await runMain(['crawl', 'foundation-probe', `ZOHO_CLIENT_SECRET=${secret}`])).stderr)).toEqual([
      'error: unexpected argument "ZOHO_CLIENT_SECRET=…"; expected -s before NAME=VALUE',
    ]);
    expect(hits).toBe(before);
  });

  test('exitCodeOf: complete 0, partial and failed 1; usage is 2', () => {
    expect([exitCodeOf('complete'), exitCodeOf('partial'), exitCodeOf('failed')]).toEqual([0, 1, 1]);
    expect(EXIT).toEqual({ ok: 0, incomplete: 1, usage: 2 });
  });

  test('a complete crawl exits 0', async () => {
    const before = hits;
    const r = await runMain(['crawl', 'foundation-probe']);
    expect(r.code).toBe(0);
    expect(hits - before).toBe(1);
    expect(r.stderr).toContain('complete');
  });

  test('a crawl with a request failing for good exits 1', async () => {
    const r = await runMain(['crawl', 'foundation-probe', '-s', 'AWS_S3_PREFIX=fail']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('partial');
  });

  test('bad settings exit 2 before any request and before any folder is made', async () => {
    const before = hits;
    const r = await runMain(['crawl', 'foundation-probe', '-s', 'ZOHO_MAX_CONCURRENCY=lots']);
    expect(r.code).toBe(2);
    expect(linesOf(r.stderr)).toEqual(['setting ZOHO_MAX_CONCURRENCY: "lots" is not a whole number; expected a whole number from 1 to 100']);
    const unknownPipeline = await runMain(['crawl', 'foundation-probe'], { ITEM_PIPELINES: 'foundation-pass:1,nosuch:2' });
    expect(unknownPipeline.code).toBe(2);
    expect(linesOf(unknownPipeline.stderr)).toEqual([
      expect.stringMatching(/^setting ITEM_PIPELINES: unknown pipeline "nosuch"; expected names from .*foundation-pass/),
    ]);
    expect(existsSync(unknownPipeline.out)).toBe(false);
    expect(hits).toBe(before);
  });
});

// The rest spider through the command line, as a user runs it: `node cli.js crawl rest -s …` in a
// child process, with the default pipelines writing real chunk files. The CLI is built from the
// current sources into a temp package (never a stale dist/, no race with other suites building it).
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeRestApi, API_KEY, type FakeRestApi } from './fake-rest-api.js';
import { buildCli } from '../support/build-cli.js';

let api: FakeRestApi;
let tmp: string;
let CLI: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'rest-cli-'));
  CLI = buildCli(tmp);
  api = await startFakeRestApi();
}, 180_000);
afterAll(async () => {
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a clean environment (no AWS settings, no .env from the repository). */
function cli(args: string[], cwd: string): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json' };
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('rest spider: command line', () => {
  test('`list` names the rest spider', async () => {
    const r = await cli(['list'], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toContain('rest');
  });

  test('`crawl rest -s …` exits 0 and leaves the records in chunk files of the run folder', async () => {
    const out = join(tmp, 'out');
    const r = await cli(
      [
        'crawl', 'rest',
        '-s', `REST_URL=${api.base}/json/items`,
        '-s', 'REST_ITEMS_PATH=data.items',
        '-s', 'REST_NEXT=json:paging.next',
        '-s', 'REST_RESOURCE=widgets',
        '-s', `REST_HEADERS=X-Api-Key: ${API_KEY}`,
        '-s', 'OUTPUT_LINES_PER_FILE=4',
        '-s', `LOCAL_OUTPUT_DIRECTORY=${out}`,
      ],
      tmp,
    );
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stderr).not.toContain(API_KEY);
    const runs = (await readdir(out)).filter((d) => !d.startsWith('.'));
    expect(runs).toHaveLength(1);
    const stemDir = join(out, runs[0], 'widgets');
    expect((await readdir(stemDir)).sort()).toEqual(['widgets-0.json', 'widgets-1.json']);
    const lines = [
      ...(await readFile(join(stemDir, 'widgets-0.json'), 'utf8')).split('\n'),
      ...(await readFile(join(stemDir, 'widgets-1.json'), 'utf8')).split('\n'),
    ].filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(['json-1-a', 'json-1-b', 'json-2-a', 'json-2-b', 'json-3-a', 'json-3-b']);
    expect(api.hits('/json/items').every((h) => h.headers['x-api-key'] === API_KEY)).toBe(true);
  });

  test('`crawl rest` without REST_URL exits 2 with a line naming REST_URL, before any folder is made', async () => {
    const r = await cli(['crawl', 'rest', '-s', `LOCAL_OUTPUT_DIRECTORY=${join(tmp, 'none')}`], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('setting REST_URL: not set; expected');
    expect(existsSync(join(tmp, 'none'))).toBe(false);
  });

  test('a bad REST_NEXT exits 2 with one line naming it', async () => {
    const r = await cli(['crawl', 'rest', '-s', 'REST_URL=http://127.0.0.1:9/x', '-s', 'REST_NEXT=page'], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'setting REST_NEXT: "page" is not a paging rule; expected link, none, json:<dot.path>, cursor:<dot.path>:<query param> or page:<query param>',
    );
  });

  test('`settings` masks REST_HEADERS', async () => {
    const r = await cli(['settings', '-s', `REST_HEADERS=X-Api-Key: ${API_KEY}`], tmp);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REST_HEADERS\s+\*{8}\s+\[cli\]$/m);
    expect(r.stdout).not.toContain(API_KEY);
  });
});

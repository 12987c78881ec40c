// `node dist/cli.js crawl zoho` as a user runs it, against the imitation Zoho: exit 0 and the files on
// a complete run, 1 when a module fails, 1 (failed) on bad credentials with the setting named.
// Built from the current sources into a temp folder (never a stale dist/, no race with other suites).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { buildCli } from '../support/build-cli.js';
import { diffRows, FAST_BACKOFF, same } from './support.js';

let tmp: string;
let cliPath: string;
let sandbox: Sandbox;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'zoho-cli-'));
  cliPath = buildCli(tmp);
  sandbox = await startSandbox({ preset: 'tiny', seed: 13 });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  outputDir: string;
}

function crawlZoho(env: Record<string, string>): Promise<Ran> {
  const cwd = mkdtempSync(join(tmp, 'cwd-'));
  const outputDir = join(cwd, 'exports');
  const full: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_FORMAT: 'json',
    LOCAL_OUTPUT_DIRECTORY: outputDir,
    ...FAST_BACKOFF,
    ...env,
  };
  return new Promise((done) => {
    execFile(process.execPath, [cliPath, 'crawl', 'zoho'], { cwd, env: full, encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, outputDir });
    });
  });
}

const runDirOf = (outputDir: string): string => {
  const runs = readdirSync(outputDir).filter((d) => /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(d));
  expect(runs).toHaveLength(1);
  return join(outputDir, runs[0]);
};

describe('cli: crawl zoho', () => {
  test('a complete run exits 0 and writes every module, its deletions and the manifest', async () => {
    const r = await crawlZoho(sandbox.settings());
    expect(r.stderr).not.toMatch(/"level":"error"/);
    expect(r.code).toBe(0);
    const run = runDirOf(r.outputDir);
    const leads = readFileSync(join(run, 'Leads', 'Leads-0.json'), 'utf8').split('\n').filter(Boolean);
    expect(diffRows(leads.map((l) => JSON.parse(l)), sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
    expect(existsSync(join(run, 'Contacts-Deleted', 'Contacts-Deleted-0.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { status: string; skipped: Record<string, string>; spider: string };
    expect(manifest.spider).toBe('zoho');
    expect(manifest.status).toBe('complete');
    expect(Object.keys(manifest.skipped)).toEqual(['Notes']);
    for (const secret of Object.values(sandbox.credentials)) expect(r.stderr).not.toContain(secret);
  });

  test('a whitelisted name the org lacks (a typo) exits 1, the rest written, the run partial', async () => {
    const r = await crawlZoho({ ...sandbox.settings(), ZOHO_MODULE_WHITELIST: 'Products,Note' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Note: ZOHO_MODULE_WHITELIST names .*Note.*, which is not a module of this org \(no such api_name; did you mean Notes\?\)/);
    const run = runDirOf(r.outputDir);
    expect(existsSync(join(run, 'Products', 'Products-0.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { status: string };
    expect(manifest.status).toBe('partial');
  });

  test('bad credentials: exit 1, failed, the message names the setting to check and hides the secret', async () => {
    const wrong = 'not-the-secret-5d41402abc4b2a';
    const r = await crawlZoho({ ...sandbox.settings(), ZOHO_CLIENT_SECRET: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ZOHO_CLIENT_ID \/ ZOHO_CLIENT_SECRET: the accounts server .* answered invalid_client/);
    expect(r.stderr).toMatch(/failed/);
    expect(r.stderr).not.toContain(wrong);
  });

  test('no credentials at all: exit 2 before any request, one line naming the settings', async () => {
    sandbox.resetStats();
    const { ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN } = sandbox.settings();
    const r = await crawlZoho({ ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^setting ZOHO_REFRESH_TOKEN .*ZOHO_CRM_AUTH_TOKEN: no Zoho credentials set; expected/),
    ]);
    expect(sandbox.stats().total).toBe(0);
    expect(existsSync(r.outputDir)).toBe(false);
  });
});

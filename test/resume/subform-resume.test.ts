// A subform module is found through its parent's fields. A crawl killed while reading it, after the
// parent was read to its end, must still finish it on resume: the parent's fields are read once more
// (its records are not), and the subform's rows come out exactly once.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBFORM_MODULE } from '../../src/sandbox/org-catalog.js';
import { startSandbox, type Sandbox, type SandboxRequest } from '../../src/sandbox/index.js';
import { diffRows, readRun, same } from '../zoho/support.js';
import { buildCli, crawlKilledAt, onlyRun, readManifestJson, readMarkerJson, runCli } from './support.js';

let tmp: string;
let cli: string;
let sandbox: Sandbox;
let hook: (r: SandboxRequest) => void = () => {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'subform-resume-'));
  cli = buildCli(tmp);
  // Five pages of subform rows.
  sandbox = await startSandbox({ preset: 'tiny', seed: 4, subforms: true, sizes: { [SUBFORM_MODULE]: 1000 }, onRequest: (r) => hook(r) });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const dealsDone = (outputDir: string): boolean => {
  try {
    return readMarkerJson(outputDir).done.includes('record:Deals');
  } catch {
    return false;
  }
};

test('killed during the subform pages once Deals is done: resumed, the rows exactly once, Deals\' records not read again', async () => {
  const cwd = mkdtempSync(join(tmp, 'cwd-'));
  const outputDir = join(cwd, 'exports');
  const env = { ...sandbox.settings(), LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: '150', ZOHO_MODULE_WHITELIST: 'Deals' };
  await crawlKilledAt(cli, cwd, env, (h) => (hook = h), (r) => r.path === `/crm/v8/${SUBFORM_MODULE}` && r.query.has('page_token') && dealsDone(outputDir));

  sandbox.resetStats();
  const second = await runCli(cli, cwd, env);
  expect(second.code).toBe(0);
  const runDir = onlyRun(outputDir);
  const lines = readRun(runDir);
  const d = sandbox.dataset;
  for (const m of ['Deals', SUBFORM_MODULE]) {
    const rows = (lines.get(m) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect([m, diffRows(rows, d.records(m))]).toEqual([m, same(d.count(m))]);
  }
  expect(sandbox.stats().modules.Deals).toMatchObject({ fields: 1, records: 0 });
  const manifest = readManifestJson(runDir);
  expect(manifest.status).toBe('complete');
  expect(manifest.modules[SUBFORM_MODULE]?.records).toBe(1000);
  expect(lines.has(`${SUBFORM_MODULE}-Deleted`)).toBe(false);
});

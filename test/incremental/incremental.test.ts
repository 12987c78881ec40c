// Incremental runs (ZOHO_INCREMENTAL): a complete run saves bookmarks locally and in S3; the next run,
// even on a fresh machine, asks only for changes since them and writes exactly those changes and
// deletions, with the overlap's repeats dropped; an explicit ZOHO_LAST_MODIFIED_TIME wins; a failed or
// partial run never moves the state; a run whose fields differ from the previous run's says so.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '../../src/dev/local-s3.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import { crawl } from '../../src/engine/engine.js';
import { parseSettings } from '../../src/settings.js';
import { ZohoSpider } from '../../src/spiders/zoho.js';
import { asSortedLines, diffRows, FAST_BACKOFF, lowerBound, readableModules, readRun, same, tempDir, type ModuleShape } from '../zoho/support.js';

const ALL_PIPELINES = 'ndjson:300,s3:800,manifest:900';
/** What Notes costs a non-admin: fields + actions/count, then the refused first page. */
const NOTES_REFUSED_CALLS = 3;

let sandbox: Sandbox;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  // Every crawl here is a fresh process's worth of work: one token grant each, more than Zoho's 10 in 10 minutes.
  sandbox = await startSandbox({ preset: 'tiny', seed: 31, limits: { grantsPerWindow: 1000 } });
  s3 = await startLocalS3();
  client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
});
afterAll(async () => {
  client?.destroy();
  await sandbox?.stop();
  await s3?.stop();
});

interface StateShape {
  run: string;
  modules: Record<
    string,
    {
      fields?: Array<{ api_name: string; data_type: string }>;
      record?: { since: string; latest: string; recent: string[] };
      deleted?: { since: string; latest: string };
    }
  >;
}

// Runs into one output folder follow each other within a second: each gets its own start (and so
// its own run folder) one second after the previous one's.
let clock = Date.now();

async function crawlInto(outputDir: string, extra: Record<string, string> = {}) {
  const settings = parseSettings({
    ...sandbox.settings(),
    ...FAST_BACKOFF,
    LOCAL_OUTPUT_DIRECTORY: outputDir,
    ITEM_PIPELINES: ALL_PIPELINES,
    ZOHO_INCREMENTAL: 'true',
    ...extra,
  });
  const { logger, lines } = createCapturingLogger('debug');
  clock += 1000;
  const result = await crawl({ spider: ZohoSpider, settings, logger, pipelines: PIPELINES, startedAt: new Date(clock) });
  return { ...result, lines, outputDir };
}

const localState = (outputDir: string): string => readFileSync(join(outputDir, '.state', 'zoho.json'), 'utf8');
async function remoteState(bucket: string, prefix = ''): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}state/zoho.json` }));
  return out.Body!.transformToString();
}
const messages = (lines: string[]): string[] => lines.map((l) => String((JSON.parse(l) as { message: unknown }).message));

describe('incremental runs', () => {
  const at = new Date('2026-06-01T10:00:00Z');
  let touched: Record<string, { modified: string[]; created: string[]; deleted: string[] }>;
  let second: Awaited<ReturnType<typeof crawlInto>>;
  const bucket = 'incremental';

  test('a full run saves the state locally and in S3; after changes, a run on a fresh machine writes exactly them, with requests counted', async () => {
    const first = await crawlInto(tempDir('inc-a'), s3.settings(bucket));
    expect(first.status).toBe('complete');
    expect(messages(first.lines)).toContain('incremental: no saved state yet; this run reads everything and saves the state if it completes');
    const saved = JSON.parse(localState(first.outputDir)) as StateShape;
    expect(saved.run).toBe(first.runId);
    expect(await remoteState(bucket)).toBe(localState(first.outputDir));
    expect(saved.modules.Leads.record?.latest).toBeDefined();
    expect(saved.modules.Leads.fields?.length).toBe(sandbox.dataset.fields('Leads').length);

    touched = {
      Leads: sandbox.dataset.mutate({ module: 'Leads', modify: 5, create: 3, delete: 2, at }),
      Contacts: sandbox.dataset.mutate({ module: 'Contacts', modify: 4, at }),
      Deals: sandbox.dataset.mutate({ module: 'Deals', delete: 1, at }),
    };
    sandbox.resetStats();
    second = await crawlInto(tempDir('inc-b'), s3.settings(bucket));
    expect(second.status).toBe('complete');
    expect(messages(second.lines).some((m) => m.startsWith(`incremental: state of run ${first.runId} from s3://${bucket}/state/zoho.json`))).toBe(true);

    const stems = readRun(second.runDir);
    expect([...stems.keys()].sort()).toEqual(['Contacts', 'Deals-Deleted', 'Leads', 'Leads-Deleted']);
    for (const [module, t] of Object.entries(touched)) {
      const changed = new Set([...t.modified, ...t.created]);
      const truth = [...sandbox.dataset.records(module)].filter((r) => changed.has(String(r.id)));
      const got = (stems.get(module) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect({ module, diff: diffRows(got, truth) }).toEqual({ module, diff: same(changed.size) });
      const deletedTruth = [...sandbox.dataset.deleted(module)].filter((d) => t.deleted.includes(String(d.id)));
      const deletedGot = (stems.get(`${module}-Deleted`) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect({ module, deleted: asSortedLines(deletedGot) }).toEqual({ module, deleted: asSortedLines(deletedTruth) });
    }

    // Requests: DESIGN's lower bound for a crawl of just the changes (one page per module), nothing more.
    const readable = readableModules(sandbox, false);
    const shapes: ModuleShape[] = readable.map((name) => ({
      name,
      records: (touched[name]?.modified.length ?? 0) + (touched[name]?.created.length ?? 0),
      fields: sandbox.dataset.fields(name).length,
      deleted: touched[name]?.deleted.length ?? 0,
    }));
    const stats = sandbox.stats();
    expect(stats.total).toBe(lowerBound(shapes) + NOTES_REFUSED_CALLS);
    expect(second.report.api.requests).toBe(stats.total);
    expect(stats.unexpected4xx).toEqual([]);
    // The overlap was asked again (each module's latest record comes back) and its repeats dropped.
    expect(stats.modules.Accounts.recordsServed).toBeGreaterThan(0);
    expect(stems.has('Accounts')).toBe(false);
    expect(stats.modules.Accounts.deletedServed).toBeGreaterThan(0);
    expect(stems.has('Accounts-Deleted')).toBe(false);

    const after = JSON.parse(localState(second.outputDir)) as StateShape;
    expect(after.run).toBe(second.runId);
    expect(after.modules.Leads.record?.latest).toBe(at.toISOString());
    expect(after.modules.Deals.deleted?.latest).toBe(at.toISOString());
    expect(after.modules.Accounts.record).toEqual(saved.modules.Accounts.record);
    expect(await remoteState(bucket)).toBe(localState(second.outputDir));
  });

  test('nothing changed: every module answers 304 or only repeats, no line is written, the state stays valid', async () => {
    sandbox.resetStats();
    const third = await crawlInto(second.outputDir, s3.settings(bucket));
    expect(third.status).toBe('complete');
    expect(messages(third.lines).some((m) => m.startsWith(`incremental: state of run ${second.runId} from ${second.outputDir}`))).toBe(true);
    expect([...readRun(third.runDir).keys()]).toEqual([]);
    expect(sandbox.stats().requests['GET /crm/v8/{module}']?.['200']).toBeGreaterThan(0);
  });

  test('an explicit ZOHO_LAST_MODIFIED_TIME wins over the state: every change since then is written, none dropped as a repeat', async () => {
    const before = JSON.parse(localState(second.outputDir)) as StateShape;
    const run = await crawlInto(second.outputDir, { ...s3.settings(bucket), ZOHO_LAST_MODIFIED_TIME: '2026-06-01T09:59:59Z' });
    expect(run.status).toBe('complete');
    expect(messages(run.lines).some((m) => m.includes('ZOHO_LAST_MODIFIED_TIME=2026-06-01T09:59:59.000Z is set and wins over the saved state'))).toBe(true);
    const stems = readRun(run.runDir);
    expect(stems.get('Leads')).toHaveLength(8);
    expect(stems.get('Leads-Deleted')).toHaveLength(2);
    expect(stems.get('Contacts')).toHaveLength(4);
    // Its window starts after the bookmark's: the bookmark cannot move (there would be a gap).
    const after = JSON.parse(localState(second.outputDir)) as StateShape;
    expect(after.modules.Leads.record?.since).toBe(before.modules.Leads.record?.since);
  });
});

describe('the state is never advanced by a failed or partial run', () => {
  test('partial (a whitelisted module the org lacks), failed (bad credentials), failed (S3 down): ' +
    'state unchanged locally and in S3; a complete run then moves it', async () => {
    const bucket = 'never-advanced';
    const outputDir = tempDir('inc-c');
    const s3Settings = { ...s3.settings(bucket), AWS_S3_PREFIX: 'crm', S3_UPLOAD_RETRIES: '0' };
    const first = await crawlInto(outputDir, s3Settings);
    expect(first.status).toBe('complete');
    const local = localState(outputDir);
    const remote = await remoteState(bucket, 'crm/');
    expect(remote).toBe(local);
    sandbox.dataset.mutate({ module: 'Tasks', modify: 2, at: new Date('2026-07-01T00:00:00Z') });

    const partial = await crawlInto(outputDir, { ...s3Settings, ZOHO_MODULE_WHITELIST: 'Tasks,No_Such_Module' });
    expect(partial.status).toBe('partial');
    expect(readRun(partial.runDir).get('Tasks')).toHaveLength(2);
    expect(messages(partial.lines)).toContain(`incremental: the run is partial; the saved state stays as it was (run ${first.runId})`);

    const failed = await crawlInto(outputDir, { ...s3Settings, ZOHO_CLIENT_SECRET: 'not-the-secret-0000' });
    expect(failed.status).toBe('failed');

    await s3.interrupt();
    try {
      const storeDown = await crawlInto(outputDir, { ...s3Settings, ZOHO_MODULE_WHITELIST: 'Tasks' });
      expect(storeDown.status).not.toBe('complete');
    } finally {
      await s3.resume();
    }
    expect(localState(outputDir)).toBe(local);
    expect(await remoteState(bucket, 'crm/')).toBe(remote);

    const complete = await crawlInto(outputDir, s3Settings);
    expect(complete.status).toBe('complete');
    expect(readRun(complete.runDir).get('Tasks')).toHaveLength(2);
    expect((JSON.parse(localState(outputDir)) as StateShape).run).toBe(complete.runId);
    expect(await remoteState(bucket, 'crm/')).toBe(localState(outputDir));
  });
});

describe('schema snapshot', () => {
  test('fields that differ from the previous run (its manifest, or the saved state) are logged: added, removed, changed', async () => {
    const outputDir = tempDir('inc-d');
    const plain = { ZOHO_INCREMENTAL: 'false', ZOHO_MODULE_WHITELIST: 'Contacts' };
    const first = await crawlInto(outputDir, plain);
    expect(first.status).toBe('complete');
    // Pretend the CRM's Contacts had other fields at the time of the first run.
    const path = join(first.runDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { modules: Record<string, { fields: Array<{ api_name: string; data_type: string }> }> };
    const fields = manifest.modules.Contacts.fields;
    const [gone, retyped] = [fields[1], fields[2]];
    manifest.modules.Contacts.fields = [
      ...fields.filter((f) => f !== gone && f !== retyped),
      { ...retyped, data_type: 'textarea' },
      { api_name: 'Old_Field', data_type: 'text' },
    ];
    writeFileSync(path, JSON.stringify(manifest));

    const next = await crawlInto(outputDir, plain);
    const line = next.lines.map((l) => JSON.parse(l) as { level: string; message: string }).find((l) => l.message.startsWith('Contacts: fields differ'));
    expect(line?.level).toBe('warn');
    expect(line?.message).toBe(
      `Contacts: fields differ from run ${first.runId}: added ${gone.api_name}; removed Old_Field; ` +
        `changed ${retyped.api_name} (textarea → ${retyped.data_type})`,
    );
    const unchanged = await crawlInto(outputDir, plain);
    expect(unchanged.lines.some((l) => l.includes('fields differ'))).toBe(false);

    // Incremental: the saved state holds the fields (a fresh machine has no earlier manifest).
    const incremental = { ZOHO_MODULE_WHITELIST: 'Contacts' };
    const saved = await crawlInto(outputDir, incremental);
    const statePath = join(outputDir, '.state', 'zoho.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as StateShape;
    state.modules.Contacts.fields = state.modules.Contacts.fields!.filter((f) => f.api_name !== gone.api_name);
    writeFileSync(statePath, JSON.stringify(state));
    const after = await crawlInto(outputDir, incremental);
    expect(messages(after.lines)).toContain(`Contacts: fields differ from the saved state (run ${saved.runId}): added ${gone.api_name}`);
    expect(after.lines.find((l) => l.includes('fields differ'))).toMatch(/"level":"info"/);
  });
});

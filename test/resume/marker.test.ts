// The run marker's guard rails, in process: a run still going is neither resumed nor replaced, a
// damaged marker is named, and a normal run (any status) leaves no marker behind.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createCapturingLogger } from '../../src/core/logger.js';
import { crawl } from '../../src/engine/engine.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { parseSettings } from '../../src/settings.js';
import { ZohoSpider } from '../../src/spiders/zoho.js';
import { ResumeError } from '../../src/core/context.js';
import { FAST_BACKOFF, tempDir } from '../zoho/support.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ preset: 'tiny', seed: 3 });
});
afterAll(() => sandbox?.stop());

const run = (outputDir: string, extra: Record<string, string> = {}) =>
  crawl({
    spider: ZohoSpider,
    settings: parseSettings({ ...sandbox.settings(), ...FAST_BACKOFF, LOCAL_OUTPUT_DIRECTORY: outputDir, ZOHO_MODULE_WHITELIST: 'Products', ...extra }),
    logger: createCapturingLogger().logger,
    pipelines: PIPELINES,
  });

function writeMarker(outputDir: string, body: unknown): string {
  const dir = join(outputDir, '.state', 'runs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'zoho.json'), typeof body === 'string' ? body : JSON.stringify(body));
  return join(dir, 'zoho.json');
}

describe('run marker', () => {
  test('complete, partial and failed runs all end without a marker: only a killed run is resumable', async () => {
    const dirs = [tempDir('marker-a'), tempDir('marker-b'), tempDir('marker-c')];
    expect((await run(dirs[0])).status).toBe('complete');
    expect((await run(dirs[1], { ZOHO_MODULE_WHITELIST: 'Products,Nope' })).status).toBe('partial');
    expect((await run(dirs[2], { ZOHO_CLIENT_SECRET: 'wrong-secret-1234' })).status).toBe('failed');
    for (const dir of dirs) {
      expect(existsSync(join(dir, '.state', 'runs'))).toBe(true);
      expect(existsSync(join(dir, '.state', 'runs', 'zoho.json'))).toBe(false);
    }
  });

  test('a marker whose process is alive on this machine: the run is under way, neither resumed nor replaced', async () => {
    const outputDir = tempDir('marker-d');
    const marker = {
      spider: 'zoho', run: '2026-01-01_00-00-00', started_at: '2026-01-01T00:00:00.000Z', status: 'running',
      pid: process.ppid, host: hostname(), attempts: 1, settings: {}, stems: {}, done: [], modules: {}, notes: {},
    };
    writeMarker(outputDir, marker);
    await expect(run(outputDir)).rejects.toThrow(new RegExp(`run 2026-01-01_00-00-00 of zoho is under way in process ${process.ppid}`));
    await expect(run(outputDir)).rejects.toBeInstanceOf(ResumeError);
  });

  test('a damaged marker is named, with what to do', async () => {
    const outputDir = tempDir('marker-e');
    const path = writeMarker(outputDir, '{"spider":');
    await expect(run(outputDir)).rejects.toThrow(`${path} is not valid JSON`);
  });
});

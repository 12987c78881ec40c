// The README cannot drift from the product: its settings table is the schema's own rendering, and its
// Quick start holds exactly the two command lines that CI runs on a fresh clone (.ci/run runs them).
import { describe, test, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { extractSettingsTable, renderSettingsTable } from '../../src/settings-doc.js';
import { SETTINGS_DOCS } from '../../src/settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README', () => {
  test('the settings table is exactly what `settings --markdown` renders from src/settings.ts', () => {
    expect(extractSettingsTable(readme)).toBe(renderSettingsTable());
  });

  test('every setting of the schema has a row, with its default', () => {
    const table = extractSettingsTable(readme) ?? '';
    for (const d of SETTINGS_DOCS) {
      expect(table).toContain(`\`${d.name}\``);
      if (d.defaultText !== undefined) expect(table).toContain(`\`${d.defaultText}\``);
    }
  });

  test('Quick start shows exactly the two fresh-clone command lines, and .ci/run runs both', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section('Quick start'));
    const lines = (block?.[1] ?? '').split('\n').filter((l) => l.trim());
    expect(lines).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm run demo\b/m);
    expect(ci).toMatch(/^npm test\b/m);
  });

  test('sections come in the order a newcomer needs them', () => {
    const order = ['Quick start', 'Crawl your org', 'Settings', 'Output', 'Query the output', 'Scheduling', 'Limits and API credits', 'Extending'];
    const positions = order.map((t) => readme.indexOf(`\n## ${t}\n`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  test('the scripts the README names exist in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    for (const script of ['demo', 'test', 'crawl', 'sandbox', 'bench']) expect(pkg.scripts[script]).toBeDefined();
  });
});

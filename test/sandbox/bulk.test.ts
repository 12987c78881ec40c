// Bulk Read: create, poll, download the ZIP, read the CSV.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { startClient, parseCsv, unzipOne, type Client } from './helpers.js';

let c: Client;
beforeAll(async () => {
  c = await startClient({ preset: 'tiny', limits: { bulkDownloadsPerMinute: 2 } });
});
afterAll(async () => {
  await c.sb.stop();
});

const create = (module: string, extra: Record<string, unknown> = {}) =>
  c.post('/crm/bulk/v8/read', { query: { module: { api_name: module }, ...extra }, file_type: 'csv' });

async function download(job: string) {
  const res = await fetch(`${c.sb.url}/crm/bulk/v8/read/${job}/result`, { headers: { Authorization: `Zoho-oauthtoken ${c.token}` } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

describe('Bulk Read', () => {
  test('create → 201 ADDED (50 credits); first poll IN PROGRESS, then COMPLETED; the ZIP holds {job}.csv with every record', async () => {
    c.sb.resetStats();
    const created = await create('Leads', { fields: ['Last_Name', 'Email', 'Owner', 'Product_Interest', 'Description'] });
    expect(created.status).toBe(201);
    const details = created.json.data[0].details;
    expect(created.json.data[0]).toMatchObject({ status: 'success', code: 'ADDED_SUCCESSFULLY' });
    expect(details).toMatchObject({ operation: 'read', state: 'ADDED', id: expect.stringMatching(/^\d+$/) });
    expect(c.sb.stats().credits).toBe(50);

    const early = await download(details.id);
    expect(early.status).toBe(400);

    const first = await c.get(`/crm/bulk/v8/read/${details.id}`);
    expect(first.json.data[0].state).toBe('IN PROGRESS');
    const second = await c.get(`/crm/bulk/v8/read/${details.id}`);
    expect(second.json.data[0]).toMatchObject({ state: 'COMPLETED', result: { page: 1, per_page: 200000, count: c.sb.dataset.count('Leads'), more_records: false, download_url: `/crm/bulk/v8/read/${details.id}/result` } });

    const zip = await download(details.id);
    expect(zip.status).toBe(200);
    expect(zip.type).toBe('application/zip');
    const file = unzipOne(zip.body);
    expect(file.name).toBe(`${details.id}.csv`);
    const rows = parseCsv(file.data.toString('utf8'));
    expect(rows[0]).toEqual(['Id', 'Last_Name', 'Email', 'Owner', 'Product_Interest', 'Description']);
    const want = [...c.sb.dataset.records('Leads')];
    expect(rows.length - 1).toBe(want.length);
    for (let k = 0; k < want.length; k++) {
      const r = want[k];
      expect(rows[k + 1]).toEqual([r.id, r.Last_Name, r.Email ?? '', (r.Owner as any).id, (r.Product_Interest as string[]).join(';'), r.Description ?? '']);
    }
  });

  test('downloads past the per-minute limit → 429', async () => {
    const job = (await create('Accounts')).json.data[0].details.id;
    await c.get(`/crm/bulk/v8/read/${job}`);
    await c.get(`/crm/bulk/v8/read/${job}`);
    const statuses = [];
    for (let k = 0; k < 3; k++) statuses.push((await download(job)).status);
    // The first test used one of the two downloads a minute.
    expect(statuses).toEqual([200, 429, 429]);
  });

  test('Notes cannot be bulk read → 400 NOT_SUPPORTED; a bad body → 400 INVALID_DATA', async () => {
    const notes = await create('Notes');
    expect(notes.status).toBe(400);
    expect(notes.json.code).toBe('NOT_SUPPORTED');
    const bad = await c.post('/crm/bulk/v8/read', { query: {} });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('INVALID_DATA');
  });
});

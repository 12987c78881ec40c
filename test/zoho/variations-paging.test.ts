// Records and deleted pages a Zoho that follows the reference may give but our sandbox does not:
// paging info pared down or absent, a token beside more_records false, extra keys, 200 with no body.
import { describe, expect, test } from '@jest/globals';
import { takePage, type ChainState } from '../../src/zoho/records-chain.js';
import { rewriteJson, twistedSandbox } from './twisting-proxy.js';

describe('paging answers that differ from the sandbox', () => {
  const t = twistedSandbox({ preset: 'tiny', seed: 21, admin: true });

  test('paging info pared down: no info.count, no more_records beside a token, no info at all on last deleted pages; extra keys', async () => {
    const run = await t.crawlThrough(
      rewriteJson(/^\/crm\/v8\/[^/?]+(\/deleted)?\?/, (body, path) => {
        const info = body.info as Record<string, unknown>;
        delete info.count;
        delete info.page;
        const last = info.more_records === false;
        if (/\/deleted\?/.test(path)) {
          // Paged by number: no flag on full pages, no info at all on the last one.
          if (last) delete body.info;
          else delete info.more_records;
        } else if (last) {
          delete info.next_page_token;
          delete info.more_records;
        } else {
          delete info.more_records;
        }
        return { extra_top_level: { x: 1 }, ...body };
      }),
    );
    expect(run.status).toBe('complete');
    t.expectWhole(run);
    // Contacts has 210 deletions: a full first page without the flag is followed, the short second one ends it.
    expect(t.sandbox.stats().modules.Contacts).toMatchObject({ deleted: 2 });
  });


  test('more_records false beside a next_page_token ends the chain, without another call', async () => {
    const run = await t.crawlThrough(
      rewriteJson(/^\/crm\/v8\/(Leads|Contacts)\?/, (body) => {
        const info = body.info as Record<string, unknown>;
        // A token the sandbox never issued: following it would fail the module.
        if (info.more_records === false) info.next_page_token = 'not-a-token-to-follow';
        return body;
      }),
    );
    expect(run.status).toBe('complete');
    t.expectWhole(run, ['Leads', 'Contacts']);
    // Two pages of each field batch: no call after the last page.
    expect(t.sandbox.stats().modules.Leads).toMatchObject({ records: 2 * Math.ceil(t.sandbox.dataset.fields('Leads').length / 50) });
  });


  test('a page shorter than per_page with more_records true: the chain goes on', () => {
    const state: ChainState = {
      module: 'Leads',
      batches: [['Last_Name']],
      perPage: 200,
      converted: true,
      order: 'default',
      written: 0,
      chainRead: 0,
      pageTokenLimit: 100_000,
      pending: [],
      staleRestarts: 0,
    };
    const outcome = takePage(state, [{ data: [{ id: '1' }, { id: '2' }], info: { more_records: true, next_page_token: 't2' } }]);
    expect(outcome.records.map((r) => r.id)).toEqual(['1', '2']);
    expect(outcome.next?.tokens).toEqual(['t2']);
    const last = takePage(outcome.next!, [{ data: [{ id: '3' }], info: {} }]);
    expect(last.next).toBeUndefined();
  });


  test('an empty module answered 200 with no body, like 204', async () => {
    const run = await t.crawlThrough((path, up) =>
      up.status === 204 ? { status: 200, headers: { 'content-type': 'application/json' }, body: '' } : undefined,
    );
    expect(run.status).toBe('complete');
    t.expectWhole(run);
  });

});

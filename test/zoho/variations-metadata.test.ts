// Module and field lists a Zoho that follows the reference may give but our sandbox does not:
// repeats, a missing api_supported or data_type, `id` listed as a field, a 200 without `fields`,
// an actions/count of another shape.
import { describe, expect, test } from '@jest/globals';
import { readableModules } from './support.js';
import { rewriteJson, twistedSandbox } from './twisting-proxy.js';

describe('metadata answers that differ from the sandbox', () => {
  const t = twistedSandbox({ preset: 'tiny', seed: 21, admin: true });

  test('the module list: one module listed twice, one without api_supported: each read once', async () => {
    const run = await t.crawlThrough(
      rewriteJson(/^\/crm\/v8\/settings\/modules/, (body) => {
        const modules = body.modules as Array<Record<string, unknown>>;
        const leads = modules.find((m) => m.api_name === 'Leads')!;
        delete modules.find((m) => m.api_name === 'Products')!.api_supported;
        return { modules: [...modules, { ...leads }] };
      }),
    );
    expect(run.status).toBe('complete');
    expect(run.got.modules.filter((m) => m.module === 'Leads')).toHaveLength(1);
    t.expectWhole(run);
  });


  test('fields listed twice, without data_type, or `id` among them; a count of another shape: records whole, each field once', async () => {
    const run = await t.crawlThrough((path, up) => {
      if (/^\/crm\/v8\/[^/]+\/actions\/count/.test(path)) return { status: 200, body: JSON.stringify({ total: 3 }) };
      if (!/^\/crm\/v8\/settings\/fields\?module=Accounts/.test(path) || up.status !== 200) return undefined;
      const fields = (JSON.parse(up.body) as { fields: Array<Record<string, unknown>> }).fields;
      const { data_type: _dropped, ...first } = fields[0];
      return { status: 200, body: JSON.stringify({ fields: [first, ...fields.slice(1), ...fields.slice(0, 3), { api_name: 'id', data_type: 'bigint' }] }) };
    });
    expect(run.status).toBe('complete');
    const accounts = run.got.modules.find((m) => m.module === 'Accounts')!;
    expect((accounts.fields ?? []).map((f) => f.api_name)).toEqual([...t.sandbox.dataset.fields('Accounts').map((f) => f.api_name), 'id']);
    t.expectWhole(run);
  });


  test('a 200 without `fields` is like 204: no records asked; records the count shows are named as not read', async () => {
    const run = await t.crawlThrough(rewriteJson(/^\/crm\/v8\/settings\/fields\?module=Products/, () => ({})));
    expect(run.status).toBe('partial');
    expect(run.report.errors).toEqual([{ scope: 'Products', message: expect.stringMatching(/listed no fields, but actions\/count says 15 record/) }]);
    expect(run.got.records.has('Products')).toBe(false);
    expect(t.sandbox.stats().modules.Products?.records ?? 0).toBe(0);
    t.expectWhole(run, readableModules(t.sandbox, true).filter((m) => m !== 'Products'));
  });

});

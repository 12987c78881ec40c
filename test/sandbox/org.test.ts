// GET /crm/v8/org: the org's details in Zoho's shape, with the edition and licences the sandbox was
// given, read back by the crawler's own schema into the daily credits they mean.
import { describe, expect, test } from '@jest/globals';
import { orgLicenceOf } from '../../src/zoho/org.js';
import { startClient } from './helpers.js';

describe('GET /crm/v8/org', () => {
  test('answers {"org":[{…, "license_details":{…}}]} with the edition and licences given; 1 credit', async () => {
    const c = await startClient({ preset: 'tiny', org: { edition: 'standard', licences: 4 } });
    try {
      const res = await c.get('/crm/v8/org');
      expect(res.status).toBe(200);
      expect(res.json.org).toHaveLength(1);
      expect(res.json.org[0].license_details).toEqual({
        paid_expiry: expect.any(String),
        users_license_purchased: 4,
        trial_type: null,
        trial_expiry: null,
        paid: true,
        paid_type: 'standard',
      });
      expect(orgLicenceOf(res.json)).toEqual({ edition: 'standard', licences: 4, dailyCredits: 51_000 });
      expect(c.sb.stats()).toMatchObject({ credits: 1, requests: { 'GET /crm/v8/org': { '200': 1 } } });
    } finally {
      await c.sb.stop();
    }
  });

  test('a Free org answers paid:false, whose credits are the flat 5,000; a bad edition is refused at start', async () => {
    const c = await startClient({ preset: 'tiny', org: { edition: 'free', licences: 3 } });
    try {
      expect(orgLicenceOf((await c.get('/crm/v8/org')).json)).toEqual({ edition: 'free', licences: 3, dailyCredits: 5000 });
    } finally {
      await c.sb.stop();
    }
    const gold = startClient({ preset: 'tiny', org: { edition: 'gold' as 'free' } });
    await expect(gold).rejects.toThrow(/org.edition: "gold" is not allowed; expected one of free/);
  });
});

describe('the org answer, read by the crawler', () => {
  test('an answer of another shape names what is wrong and what was expected', () => {
    expect(() => orgLicenceOf({ org: [] })).toThrow(/GET \/org answered org: .*; expected \{"org":\[\{"license_details"/);
    expect(() => orgLicenceOf({ org: [{ id: '1' }] })).toThrow(/GET \/org answered org\.0\.license_details: /);
    // Enterprise with 5,000 licences reaches its maximum; an edition the formula does not know has no figure.
    expect(orgLicenceOf({ org: [{ license_details: { paid: true, paid_type: 'enterprise', users_license_purchased: 5000 } }] }).dailyCredits).toBe(5_000_000);
    expect(orgLicenceOf({ org: [{ license_details: { paid: true, paid_type: 'platinum', users_license_purchased: 5 } }] }).dailyCredits).toBeUndefined();
  });
});

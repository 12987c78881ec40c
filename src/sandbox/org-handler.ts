// GET /crm/v8/org: the org's details as Zoho answers them ({"org":[{…, "license_details":{…}}]}), so a
// client can tell the edition and user licences that its daily API credits follow from. The sandbox's
// own daily limit (limits.dailyCredits) follows the same figures unless a test sets it apart.
import type { Reply } from './reply.js';
import type { SandboxEdition, SandboxOrg } from './types.js';

/** An enterprise org of 10 users: 60,000 credits a day by Zoho's formula, far above any test's needs. */
export const DEFAULT_ORG: Required<SandboxOrg> = { edition: 'enterprise', licences: 10 };

/**
 * Daily credits by edition, as the reference (§8) gives them: Free a flat 5,000; paid editions 50,000
 * plus so many per user licence, up to a maximum (Ultimate none). Zoho's own pages have also given
 * lower figures; this is the sandbox's choice, not a claim about any real org.
 */
const CREDITS: Record<SandboxEdition, { base: number; perLicence: number; max: number }> = {
  free: { base: 5000, perLicence: 0, max: 5000 },
  standard: { base: 50_000, perLicence: 250, max: 100_000 },
  professional: { base: 50_000, perLicence: 500, max: 3_000_000 },
  enterprise: { base: 50_000, perLicence: 1000, max: 5_000_000 },
  ultimate: { base: 50_000, perLicence: 2000, max: Number.POSITIVE_INFINITY },
};

export function orgDailyCredits(org: Required<SandboxOrg>): number {
  const c = CREDITS[org.edition];
  return Math.min(c.max, c.base + c.perLicence * org.licences);
}

export function checkOrg(org: SandboxOrg | undefined): Required<SandboxOrg> {
  const out = { ...DEFAULT_ORG, ...org };
  if (!(out.edition in CREDITS)) throw new Error(`sandbox org.edition: "${out.edition}" is not allowed; expected one of ${Object.keys(CREDITS).join(', ')}`);
  if (!Number.isInteger(out.licences) || out.licences < 1) throw new Error(`sandbox org.licences: ${out.licences} is not allowed; expected a whole number ≥ 1`);
  return out;
}

export function orgDetails(org: Required<SandboxOrg>, seed: number): Reply {
  const paid = org.edition !== 'free';
  const id = String(5_725_767_000_000_000_000n + BigInt(seed));
  return {
    status: 200,
    json: {
      org: [
        {
          id,
          company_name: 'Sandbox Org',
          domain_name: `org${seed}`,
          alias: null,
          primary_email: 'admin@sandbox.invalid',
          primary_zuid: '700000001',
          zgid: String(800_000_000 + seed),
          country_code: 'US',
          time_zone: 'UTC',
          currency: 'US Dollar',
          iso_code: 'USD',
          currency_symbol: '$',
          currency_locale: 'en_US',
          employee_count: String(org.licences),
          mc_status: false,
          gapps_enabled: false,
          translation_enabled: false,
          privacy_settings: false,
          license_details: {
            paid_expiry: paid ? '2027-12-31T23:59:59+00:00' : null,
            users_license_purchased: org.licences,
            trial_type: null,
            trial_expiry: null,
            paid,
            paid_type: org.edition,
          },
        },
      ],
    },
  };
}

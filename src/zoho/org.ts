// GET /crm/v8/org: which edition the org pays for and how many user licences, and from them the
// org's API credits per rolling 24 hours, for the plan's "share of the daily credits". Only
// license_details is read; the rest of the answer (addresses, currency, ids) is not ours to check.
import { z } from 'zod';

/**
 * `{"org":[{…, "license_details":{"paid":true,"paid_type":"enterprise","users_license_purchased":10,
 * "trial_type":null,"trial_expiry":null,"paid_expiry":…}}]}` (Zoho's SDK and connector samples).
 */
export const orgAnswerSchema = z.object({
  org: z
    .array(
      z.looseObject({
        license_details: z.looseObject({
          paid: z.boolean().nullable().optional(),
          paid_type: z.string().nullable().optional(),
          users_license_purchased: z.coerce.number().int().nonnegative().nullable().optional(),
          trial_type: z.string().nullable().optional(),
        }),
      }),
    )
    .min(1),
});

export interface OrgLicence {
  /** Zoho's paid_type as given (free, standard, professional, enterprise, ultimate, …). */
  edition: string;
  licences: number;
  /** Credits per rolling 24 hours by the edition's formula; undefined for an edition the formula does not know. */
  dailyCredits?: number;
}

/**
 * Per edition (reference §8, from Zoho's API-limits pages): Free a flat 5,000; paid editions 50,000
 * plus so many per user licence, up to a maximum. Add-on credits an org bought are not in the answer,
 * so they are not counted. Zoho's pages have also given lower figures: a share is an estimate.
 */
const EDITIONS: Record<string, { base: number; perLicence: number; max: number }> = {
  free: { base: 5000, perLicence: 0, max: 5000 },
  standard: { base: 50_000, perLicence: 250, max: 100_000 },
  starter: { base: 50_000, perLicence: 250, max: 100_000 },
  professional: { base: 50_000, perLicence: 500, max: 3_000_000 },
  enterprise: { base: 50_000, perLicence: 1000, max: 5_000_000 },
  zohoone: { base: 50_000, perLicence: 1000, max: 5_000_000 },
  ultimate: { base: 50_000, perLicence: 2000, max: Number.POSITIVE_INFINITY },
  crmplus: { base: 50_000, perLicence: 2000, max: Number.POSITIVE_INFINITY },
};

export function dailyCreditsOf(edition: string, licences: number): number | undefined {
  const e = EDITIONS[edition.toLowerCase().replace(/[^a-z]/g, '')];
  return e && Math.min(e.max, e.base + e.perLicence * licences);
}

/** The licence of an org answer; throws UnexpectedAnswer-style text naming what was wrong. */
export function orgLicenceOf(body: unknown): OrgLicence {
  const parsed = orgAnswerSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`GET /org answered ${issue.path.join('.') || '(root)'}: ${issue.message}; expected {"org":[{"license_details":{"paid_type",…}}]}`);
  }
  const d = parsed.data.org[0].license_details;
  // An unpaid org is on the Free edition's credits whatever paid_type says.
  const edition = d.paid === false ? 'free' : (d.paid_type ?? 'free');
  const licences = d.users_license_purchased ?? 0;
  return { edition, licences, dailyCredits: dailyCreditsOf(edition, licences) };
}

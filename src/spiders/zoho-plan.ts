// `plan zoho`: what a crawl of the org will cost, learnt with metadata and count calls only — the
// module list, GET /org, and per module GET /settings/fields + actions/count, i.e. 2 + 2 × modules
// calls and as many credits — and computed by the crawl's own rules (src/zoho/plan.ts). The module
// selection, field batches, subform discovery and calls are the crawl's (module-selection.ts,
// field-batches.ts, requests.ts), so the plan cannot drift from what a crawl does. It writes nothing:
// no run folder, no state.
import type { Logger } from '../core/logger.js';
import type { SpiderPlan } from '../core/spider.js';
import { Pace } from '../http/pace.js';
import type { Settings } from '../settings.js';
import type { ZohoClient } from '../zoho/client.js';
import { connect } from '../zoho/connect.js';
import { CreditsExhaustedError, refusalOf } from '../zoho/errors.js';
import { fieldBatches } from '../zoho/field-batches.js';
import { hasConvertedRecords, selectModules } from '../zoho/module-selection.js';
import { orgLicenceOf, type OrgLicence } from '../zoho/org.js';
import { dailyShare, planModule, planTotals, type ModuleFacts, type ModulePlan, type PlanTotals } from '../zoho/plan.js';
import { coqlPlanOf } from '../zoho/coql.js';
import { countCall, fieldsCall, modulesCall, orgCall, type ApiCall } from '../zoho/requests.js';
import { countIn, fieldsAnswerSchema, modulesAnswerSchema, parseBody } from '../zoho/schemas.js';

export interface ZohoPlan {
  spider: 'zoho';
  /** What the plan itself spent: its metadata and count calls. */
  plan_cost: { requests: number; credits: number };
  settings: Record<string, string | number | boolean | null>;
  /** Mean latency of the plan's own requests: the time estimates' unit. */
  latency_ms: number;
  modules: Record<string, ModulePlan>;
  skipped: Record<string, string>;
  /** Whitelisted names the org does not have (the crawl reports them as errors). */
  unknown: string[];
  totals: PlanTotals;
  org: { edition: string; licences: number; daily_credits: number | null; share: number | null } | { error: string };
  budget: { credits: number; covers: boolean } | null;
}

interface Queued {
  module: string;
  converted: boolean;
  subform: boolean;
  /** A linking module (generated_type linking): COQL does not read it, as the crawl says. */
  linking?: boolean;
}

export async function planZoho(s: Settings, logger: Logger): Promise<SpiderPlan> {
  const cost = { requests: 0, credits: 0 };
  const latencies: number[] = [];
  const { tokens, client } = connect(s, {
    pace: new Pace(s.ZOHO_MAX_CONCURRENCY),
    onSent: (credits) => {
      cost.requests++;
      cost.credits += credits;
    },
    log: (level, message) => logger.log(level, message),
  });
  logger.info(
    'zoho plan: metadata and counts only: GET /settings/modules and GET /org, then GET /settings/fields and actions/count per module (1 credit each)',
  );
  // The token grant first, so that its time is not taken for an API call's latency.
  await tokens.current();
  const timed = async (call: ApiCall) => {
    const started = performance.now();
    try {
      return await client.send(call);
    } finally {
      latencies.push(performance.now() - started);
    }
  };
  const [listed, orgAnswer] = await Promise.all([timed(modulesCall()), timed(orgCall()).catch((error: unknown) => error as Error)]);
  if (listed.status !== 200) throw new Error(`GET /settings/modules answered HTTP ${listed.status} with no modules; expected the module list`);
  const selection = selectModules(parseBody(modulesAnswerSchema, listed.body, 'GET /settings/modules').modules, s.ZOHO_MODULE_WHITELIST);
  const skipped: Record<string, string> = Object.fromEntries(selection.skipped.map(({ name, reason }) => [name, reason]));
  const queue: Queued[] = selection.modules.map(({ meta }) => ({
    module: meta.api_name,
    converted: hasConvertedRecords(meta),
    subform: false,
    linking: meta.generated_type === 'linking',
  }));
  const known = new Set([...queue.map((q) => q.module), ...selection.unsupported]);
  const facts: ModuleFacts[] = [];
  // Two calls per module at a time each: never more in flight than ZOHO_MAX_CONCURRENCY, so no call waits for a slot and the latency is the API's.
  const workers = Math.max(1, Math.floor(s.ZOHO_MAX_CONCURRENCY / 2));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const found = await moduleFacts(next, timed, s);
        facts.push(found.facts);
        if (found.facts.refused) skipped[next.module] = found.facts.refused.reason;
        // Subform modules are read as modules of their own (ZOHO_SUBFORMS), as the crawl finds them: in their parent's fields.
        for (const sub of found.subforms) {
          if (s.ZOHO_SUBFORMS && !known.has(sub)) {
            known.add(sub);
            queue.push({ module: sub, converted: false, subform: true });
          }
        }
      }
    }),
  );
  const latencyMs = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
  const options = {
    cap: s.ZOHO_MAX_RECORDS_PER_MODULE,
    includeDeleted: s.ZOHO_INCLUDE_DELETED,
    fullRichText: s.ZOHO_FULL_RICH_TEXT,
    concurrency: s.ZOHO_MAX_CONCURRENCY,
    latencyMs,
    readPath: s.ZOHO_READ_PATH,
  };
  const order = new Map([...known].map((m, i) => [m, i]));
  const plans = facts.sort((a, b) => order.get(a.module)! - order.get(b.module)!).map((f) => planModule(f, options));
  const totals = planTotals(plans, options);
  const plan: ZohoPlan = {
    spider: 'zoho',
    plan_cost: cost,
    settings: {
      ZOHO_MODULE_WHITELIST: s.ZOHO_MODULE_WHITELIST?.join(',') ?? 'ALL',
      ZOHO_MAX_RECORDS_PER_MODULE: s.ZOHO_MAX_RECORDS_PER_MODULE ?? null,
      ZOHO_INCLUDE_DELETED: s.ZOHO_INCLUDE_DELETED,
      ZOHO_FULL_RICH_TEXT: s.ZOHO_FULL_RICH_TEXT,
      ZOHO_SUBFORMS: s.ZOHO_SUBFORMS,
      ZOHO_MAX_CONCURRENCY: s.ZOHO_MAX_CONCURRENCY,
      ZOHO_CREDIT_BUDGET: s.ZOHO_CREDIT_BUDGET ?? null,
      ZOHO_READ_PATH: s.ZOHO_READ_PATH,
    },
    latency_ms: Math.round(latencyMs * 10) / 10,
    modules: Object.fromEntries(plans.map((p) => [p.module, p])),
    skipped,
    unknown: selection.unknown.map((u) => u.name),
    totals,
    org: orgPart(orgAnswer, totals.run.credits),
    budget: s.ZOHO_CREDIT_BUDGET === undefined ? null : { credits: s.ZOHO_CREDIT_BUDGET, covers: totals.run.credits <= s.ZOHO_CREDIT_BUDGET },
  };
  return { json: plan, text: renderPlan(plan) };
}

/** One module's fields and count, as the crawl's fields callback reads them. */
async function moduleFacts(
  q: Queued,
  timed: (call: ApiCall) => ReturnType<ZohoClient['send']>,
  s: Settings,
): Promise<{ facts: ModuleFacts; subforms: string[] }> {
  const [fieldsResult, countResult] = await Promise.allSettled([timed(fieldsCall(q.module)), timed(countCall(q.module, q.converted))]);
  const base = { module: q.module, fields: 0, batches: 0, rich: false, timed: false, subform: q.subform };
  if (fieldsResult.status === 'rejected') {
    const reason = refusalOf(fieldsResult.reason);
    if (reason === undefined) throw planFailure(q.module, fieldsResult.reason);
    return { facts: { ...base, refused: { at: 'fields', reason } }, subforms: [] };
  }
  const answer = fieldsResult.value;
  const fields = answer.status === 200 ? parseBody(fieldsAnswerSchema, answer.body, `GET /settings/fields?module=${q.module}`).fields : [];
  const names = [...new Set(fields.map((f) => f.api_name))];
  let count: number | undefined;
  // A count the org refuses says its records are refused too (Notes for a non-admin): the crawl finds that out on the first page.
  const countRefused = countResult.status === 'rejected' ? refusalOf(countResult.reason) : undefined;
  if (countResult.status === 'fulfilled') count = countIn(countResult.value);
  const facts: ModuleFacts = {
    ...base,
    count,
    fields: names.length,
    batches: fieldBatches(names).length,
    rich: s.ZOHO_FULL_RICH_TEXT && fields.some((f) => f.richText),
    timed: names.includes('Modified_Time'),
    // The crawl's own test (zoho/coql.ts) of whether COQL can read the module.
    ...coqlUnreadable(q, fields),
    ...(countRefused === undefined ? {} : { refused: { at: 'records' as const, reason: countRefused } }),
  };
  return { facts, subforms: fields.flatMap((f) => (f.subformModule === undefined ? [] : [f.subformModule])) };
}

/** Why a ZOHO_READ_PATH=coql crawl reads the module by records (the spider's rules: coqlChainOf, coqlPlanOf). */
function coqlUnreadable(q: Queued, fields: Parameters<typeof coqlPlanOf>[0]): { coqlUnreadable?: string } {
  if (q.subform) return { coqlUnreadable: 'a subform module, which COQL does not read' };
  if (q.linking) return { coqlUnreadable: 'a linking module, which COQL does not read' };
  const coql = coqlPlanOf(fields);
  return 'reason' in coql ? { coqlUnreadable: coql.reason } : {};
}

/** Why the org refuses a module (403 NO_PERMISSION/NOT_SUPPORTED, or it is missing), as the crawl skips it; undefined for other errors. */
function planFailure(module: string, error: unknown): Error {
  if (error instanceof CreditsExhaustedError) return error;
  return new Error(`${module}: the plan could not read its fields: ${error instanceof Error ? error.message : String(error)}`);
}

function orgPart(answer: unknown, credits: number): ZohoPlan['org'] {
  if (answer instanceof Error) return { error: `GET /org: ${answer.message}` };
  const a = answer as Awaited<ReturnType<ZohoClient['send']>>;
  if (a.status !== 200) return { error: `GET /org answered HTTP ${a.status}; expected the org's details` };
  let licence: OrgLicence;
  try {
    licence = orgLicenceOf(a.body);
  } catch (error) {
    return { error: (error as Error).message };
  }
  const daily = licence.dailyCredits;
  return { edition: licence.edition, licences: licence.licences, daily_credits: daily ?? null, share: dailyShare(credits, daily) };
}

const n = (x: number): string => x.toLocaleString('en-US');
const secs = (x: number): string => (x < 60 ? `${x.toFixed(1)} s` : x < 3600 ? `${(x / 60).toFixed(1)} min` : `${(x / 3600).toFixed(1)} h`);

/** The plan for a person: a table per module, the totals, and what they mean for the day's credits. */
export function renderPlan(p: ZohoPlan): string {
  const t = p.totals;
  const head = ['module', 'records', 'fields', 'batches', 'calls', 'credits', 'coql calls', 'coql credits', 'path', 'time'];
  const rows = Object.values(p.modules).map((m) => [
    m.refused ? `${m.module} (refused)` : m.module,
    m.records === null ? '?' : n(m.records),
    n(m.fields),
    n(m.field_batches),
    n(m.records_path.requests),
    n(m.records_path.credits),
    n(m.coql.requests),
    n(m.coql.credits),
    m.path_reason ? `${m.path}*` : m.path,
    secs(m.seconds),
  ]);
  rows.push(['total (+ module list)', n(t.records), n(t.fields), n(t.field_batches), n(t.records_path.requests), n(t.records_path.credits),
    n(t.coql.requests), n(t.coql.credits), t.run.read_path, secs(t.seconds)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const out = [
    `zoho plan: ${t.modules} module(s), ${n(t.records)} record(s); this plan cost ${n(p.plan_cost.requests)} call(s), ${n(p.plan_cost.credits)} credit(s) ` +
      '(module list, org, fields and count per module)',
    '',
    line(head),
    ...rows.map(line),
    '',
    `this run (ZOHO_READ_PATH=${t.run.read_path}): ${n(t.run.requests)} calls, ${n(t.run.credits)} credits; ` +
      `each deleted log counted as one page (${p.settings.ZOHO_INCLUDE_DELETED ? '2 credits; each 200 deletions more cost one page more' : 'off'})`,
    `records read path: ${n(t.records_path.requests)} calls, ${n(t.records_path.credits)} credits; ` +
      `coql read path: ${n(t.coql.requests)} calls, ${n(t.coql.credits)} credits (COQL calls cost 1 / 2 / 3 credits by LIMIT: ≤ 200 / 1,000 / 2,000 rows)`,
    ...footnotes(Object.values(p.modules)),
    `expected time at ZOHO_MAX_CONCURRENCY=${p.settings.ZOHO_MAX_CONCURRENCY}: about ${secs(t.seconds)} ` +
      `(mean latency of the plan's calls: ${p.latency_ms} ms)`,
  ];
  if (t.unsized) out.push(`${t.unsized} module(s) gave no record count: their records are not in the figures`);
  if ('error' in p.org) out.push(`daily credits: unknown (${p.org.error})`);
  else {
    const daily = p.org.daily_credits === null ? 'an edition whose credits are not known' : `${n(p.org.daily_credits)} credits a day`;
    const share = p.org.share === null ? '' : `: this run takes ${(p.org.share * 100).toFixed(p.org.share < 0.01 ? 2 : 1)}% of them`;
    out.push(`daily credits: ${p.org.edition}, ${n(p.org.licences)} user licence(s) → ${daily}${share} (add-on credits not counted)`);
  }
  if (p.budget) {
    out.push(`ZOHO_CREDIT_BUDGET=${n(p.budget.credits)}: ${p.budget.covers ? 'covers the run' : 'the run stops there; the next crawl continues it'}`);
  }
  for (const [module, reason] of Object.entries(p.skipped)) out.push(`skipped ${module}: ${reason}`);
  for (const name of p.unknown) out.push(`not in the org: ${name} (ZOHO_MODULE_WHITELIST)`);
  return out.join('\n');
}

/** The modules read by records although COQL was asked for, one line per reason (auto gives every module the same). */
function footnotes(modules: readonly ModulePlan[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const m of modules) if (m.path_reason) byReason.set(m.path_reason, [...(byReason.get(m.path_reason) ?? []), m.module]);
  return [...byReason].map(([reason, names]) => `* ${names.join(', ')}: read by records: ${reason}`);
}

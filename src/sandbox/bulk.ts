// Bulk Read: create a job, poll it (IN PROGRESS for the first `bulkPollsBeforeComplete` polls, then
// COMPLETED), download a ZIP holding `{job}.csv`. 200,000 records a page, every record (converted
// Leads included) in ascending id; the only criteria supported is Modified_Time greater_than.
import { z } from 'zod';
import { ID_PREFIX } from './catalog.js';
import type { ApiContext } from './api-context.js';
import { csvRow } from './csv.js';
import { clientBug, errorReply, type Call, type Reply } from './reply.js';
import { isoWithOffset, ORG_NOW_MS, parseInstant } from './time.js';
import { zipOneFile } from './zip.js';

export const BULK_PAGE = 200_000;
export const BULK_JOB_CREDITS = 50;
const CSV_CHUNK_ROWS = 500;

const bodySchema = z.object({
  query: z.object({
    module: z.object({ api_name: z.string().min(1) }),
    fields: z.array(z.string().min(1)).optional(),
    page: z.number().int().min(1).optional(),
    page_token: z.string().optional(),
    criteria: z
      .object({ field: z.object({ api_name: z.string() }), comparator: z.string(), value: z.string() })
      .optional(),
  }),
  file_type: z.literal('csv').optional(),
  callback: z.unknown().optional(),
});

interface Job {
  id: string;
  module: string;
  fields: string[];
  sinceS?: number;
  page: number;
  polls: number;
  createdMs: number;
  query: unknown;
}

export class BulkRead {
  private readonly jobs = new Map<string, Job>();
  private downloads: number[] = [];
  private counter = 0;

  constructor(private readonly ctx: ApiContext) {}

  create(call: Call): Reply {
    let raw: unknown;
    try {
      raw = JSON.parse(call.body);
    } catch {
      return clientBug(400, 'INVALID_DATA', 'the body is not JSON', {});
    }
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return clientBug(400, 'INVALID_DATA', `invalid Bulk Read body at ${issue.path.join('.') || '(root)'}: ${issue.message}`, { path: issue.path.join('.') });
    }
    const q = parsed.data.query;
    const spec = this.ctx.dataset.catalog.spec(q.module.api_name);
    if (!spec || !spec.supported) return clientBug(400, 'INVALID_MODULE', 'The module name given seems to be invalid', { api_name: q.module.api_name });
    if (spec.noBulk) return clientBug(400, 'NOT_SUPPORTED', `Bulk Read does not support ${spec.api}`, { api_name: spec.api });
    const known = spec.fields.map((f) => f.api);
    const fields = q.fields ? [...new Set(q.fields.filter((f) => f !== 'id' && f !== 'Id'))] : known;
    const unknown = fields.find((f) => !known.includes(f));
    if (unknown !== undefined) return clientBug(400, 'INVALID_DATA', `invalid field api name ${unknown}`, { api_name: unknown });

    let sinceS: number | undefined;
    if (q.criteria) {
      const at = parseInstant(q.criteria.value);
      if (q.criteria.field.api_name !== 'Modified_Time' || q.criteria.comparator !== 'greater_than' || at === undefined) {
        // A sandbox limitation, not a client bug: not counted as unexpected.
        return errorReply(400, 'INVALID_DATA', 'the sandbox supports only the criteria Modified_Time greater_than <ISO 8601 date-time>', { criteria: q.criteria });
      }
      sinceS = Math.floor(at / 1000);
    }
    let page = q.page ?? 1;
    if (q.page_token !== undefined) {
      const m = /^bulk-(\d+)$/.exec(q.page_token);
      if (!m) return clientBug(400, 'INVALID_DATA', 'invalid page_token', { param_name: 'page_token' });
      page = Number(m[1]);
    }
    const id = `${ID_PREFIX}09${String(++this.counter).padStart(10, '0')}`;
    const createdMs = this.ctx.now();
    this.jobs.set(id, { id, module: spec.api, fields, sinceS, page, polls: 0, createdMs, query: parsed.data.query });
    const user = this.ctx.dataset.users[0];
    return {
      status: 201,
      credits: BULK_JOB_CREDITS,
      module: { api: spec.api, call: 'bulk' },
      json: {
        data: [{
          status: 'success',
          code: 'ADDED_SUCCESSFULLY',
          message: 'Added successfully.',
          details: { id, operation: 'read', state: 'ADDED', created_by: { id: user.id, name: user.name }, created_time: isoWithOffset(createdMs, this.ctx.dataset.offset) },
        }],
        info: {},
      },
    };
  }

  private ids(job: Job) {
    // A Bulk Read export is the whole module, records awaiting approval too (the sandbox's choice, UNVERIFIED).
    const view = this.ctx.dataset.recordView(job.module, { sortBy: 'id', sortOrder: 'asc', converted: 'both', approved: 'both', sinceS: job.sinceS });
    const start = (job.page - 1) * BULK_PAGE;
    const end = Math.min(view.length, start + BULK_PAGE);
    return { view, start, end: Math.max(start, end), more: end < view.length };
  }

  status(jobId: string): Reply {
    const job = this.jobs.get(jobId);
    if (!job) return clientBug(400, 'INVALID_DATA', 'no Bulk Read job with this id', { id: jobId });
    job.polls++;
    const done = job.polls > this.ctx.limits.bulkPollsBeforeComplete;
    const user = this.ctx.dataset.users[0];
    const entry: Record<string, unknown> = {
      id: job.id,
      operation: 'read',
      state: done ? 'COMPLETED' : 'IN PROGRESS',
      query: job.query,
      created_by: { id: user.id, name: user.name },
      created_time: isoWithOffset(job.createdMs, this.ctx.dataset.offset),
      file_type: 'csv',
    };
    if (done) {
      const { start, end, more } = this.ids(job);
      entry.result = {
        page: job.page,
        per_page: BULK_PAGE,
        count: end - start,
        download_url: `/crm/bulk/v8/read/${job.id}/result`,
        more_records: more,
        next_page_token: more ? `bulk-${job.page + 1}` : null,
      };
    }
    return { status: 200, json: { data: [entry] } };
  }

  result(jobId: string): Reply {
    const job = this.jobs.get(jobId);
    if (!job) return clientBug(400, 'INVALID_DATA', 'no Bulk Read job with this id', { id: jobId });
    if (job.polls <= this.ctx.limits.bulkPollsBeforeComplete) {
      return clientBug(400, 'INVALID_REQUEST', 'the job is not completed yet: poll its status until COMPLETED', { id: jobId });
    }
    const now = this.ctx.now();
    this.downloads = this.downloads.filter((t) => now - t < 60_000);
    if (this.downloads.length >= this.ctx.limits.bulkDownloadsPerMinute) {
      return errorReply(429, 'TOO_MANY_REQUESTS', `at most ${this.ctx.limits.bulkDownloadsPerMinute} downloads a minute`);
    }
    this.downloads.push(now);
    const m = this.ctx.dataset.module(job.module);
    if (!m) return clientBug(400, 'INVALID_MODULE', 'The module name given seems to be invalid', { api_name: job.module });
    const { view, start, end } = this.ids(job);
    const fields = job.fields;
    function* csv(): Generator<Buffer> {
      yield Buffer.from(csvRow(['Id', ...fields]), 'utf8');
      let rows = '';
      for (let k = start; k < end; k++) {
        const rec = m!.record(view.at(k));
        rows += csvRow([rec.id, ...fields.map((f) => rec[f])]);
        if ((k - start + 1) % CSV_CHUNK_ROWS === 0) {
          yield Buffer.from(rows, 'utf8');
          rows = '';
        }
      }
      if (rows) yield Buffer.from(rows, 'utf8');
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${job.id}.zip"` },
      stream: zipOneFile(`${job.id}.csv`, csv(), ORG_NOW_MS),
    };
  }
}

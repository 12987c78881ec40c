// Command-line options of `npm run sandbox`, parsed into SandboxOptions.
import { parseArgs } from 'node:util';
import type { FaultOptions, Preset, SandboxOptions } from './types.js';

export const USAGE = `Usage: npm run sandbox -- [options]

  --port N                  port to listen on (default 0 = any free port)
  --host HOST               address to bind (default 127.0.0.1)
  --seed N                  data seed (default 1)
  --preset tiny|small|demo  module sizes (default small)
  --size Module=N           records of one module (repeatable), e.g. --size Leads=1000000
  --deleted Module=N        deleted entries of one module (repeatable)
  --admin                   the user is an administrator (Notes readable)
  --min-fields N            widen every readable module to at least N fields (Custom_Field_1…)
  --text-fields             with --min-fields: those fields are mixed-script multi-line text
  --extra-modules N         add N readable custom modules Custom_Module_1… (size them with --size)
  --rate429 P               probability of an injected 429 (0..1)
  --retry-after S           Retry-After seconds on 429s (default: half with 1, half without)
  --rate500 P               probability of an injected 500
  --rate-drop P             probability of a connection dropped mid-body
  --concurrency-limit N     API calls in flight above N answer 429
  --token-lifetime-calls N  an access token dies after N API calls
  --latency MS              added delay per API call
  --jitter MS               ± random extra delay
  --daily-credits N         the org's API credits per 24 hours; once spent, calls answer 429
  --help                    this text`;

export class UsageError extends Error {}

function num(name: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} ${JSON.stringify(raw)} is not ${integer ? 'a whole number' : 'a number'}`);
  }
  return n;
}

function sizes(name: string, list: string[] | undefined): Record<string, number> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const item of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(item);
    if (!m) throw new UsageError(`--${name} ${JSON.stringify(item)} is not Module=N, e.g. Leads=1000`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/** `{ [key]: value }` when the flag was given, `{}` otherwise: unset options stay absent. */
function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

export function optionsFromArgs(argv: string[]): SandboxOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, preset: { type: 'string' },
      size: { type: 'string', multiple: true }, deleted: { type: 'string', multiple: true }, admin: { type: 'boolean' },
      'min-fields': { type: 'string' }, 'text-fields': { type: 'boolean' }, 'extra-modules': { type: 'string' },
      rate429: { type: 'string' }, 'retry-after': { type: 'string' }, rate500: { type: 'string' }, 'rate-drop': { type: 'string' },
      'concurrency-limit': { type: 'string' }, 'token-lifetime-calls': { type: 'string' }, latency: { type: 'string' },
      jitter: { type: 'string' }, 'daily-credits': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const preset = values.preset;
  if (preset !== undefined && !['tiny', 'small', 'demo'].includes(preset)) {
    throw new UsageError(`--preset ${JSON.stringify(preset)} is not one of tiny, small, demo`);
  }
  const faults: FaultOptions = {
    rate429: num('rate429', values.rate429, false),
    retryAfterSeconds: num('retry-after', values['retry-after'], true),
    rate500: num('rate500', values.rate500, false),
    rateDrop: num('rate-drop', values['rate-drop'], false),
    concurrencyLimit: num('concurrency-limit', values['concurrency-limit'], true),
    tokenLifetimeCalls: num('token-lifetime-calls', values['token-lifetime-calls'], true),
    latencyMs: num('latency', values.latency, true),
    jitterMs: num('jitter', values.jitter, true),
  };
  for (const k of Object.keys(faults) as Array<keyof FaultOptions>) if (faults[k] === undefined) delete faults[k];
  return {
    port: num('port', values.port, true),
    host: values.host,
    seed: num('seed', values.seed, true),
    preset: preset as Preset | undefined,
    sizes: sizes('size', values.size),
    deletedSizes: sizes('deleted', values.deleted),
    admin: values.admin ?? false,
    ...optional('minFields', num('min-fields', values['min-fields'], true)),
    ...(values['text-fields'] ? { textFields: true } : {}),
    ...optional('extraModules', num('extra-modules', values['extra-modules'], true)),
    faults,
    ...(values['daily-credits'] === undefined ? {} : { limits: { dailyCredits: num('daily-credits', values['daily-credits'], true) } }),
  };
}

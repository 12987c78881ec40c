#!/usr/bin/env node
// The command line: parse arguments, load settings, pick a spider, run it, set the exit code.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { parseArgs as nodeParseArgs } from 'node:util';
import { EXIT, exitCodeOf } from './core/report.js';
import { addSecrets, createLogger, defaultFormat, redactKnown, type Logger } from './core/logger.js';
import { StatusArea } from './engine/status-area.js';
import { crawl } from './engine/engine.js';
import { ResumeError } from './core/context.js';
import { NotARunFolderError, PIPELINES, uploadRun } from './pipelines/index.js';
import { SPIDERS } from './spiders/index.js';
import type { SpiderClass } from './core/spider.js';
import { renderSettingsTable } from './settings-doc.js';
import { describeSettings, loadSettings, parseOverrides, secretValues, SETTINGS_DOCS, SettingsError, type LoadedSettings } from './settings.js';

const USAGE = `Usage: zoho-crawler <command> [options]

Commands:
  crawl <spider> [-s NAME=VALUE]...   run a spider with the effective settings; a run that was killed
                                      is continued (--resume <RUN> names it, --no-resume starts afresh)
  plan <spider> [--json] [-s NAME=VALUE]...
                                      what a crawl would cost (calls, credits, time), from metadata and
                                      counts only; writes nothing. Also: crawl <spider> --plan
  upload <run folder> [-s NAME=VALUE]...
                                      upload (or finish uploading) a run folder to AWS_BUCKET_NAME;
                                      objects already there are skipped, manifest.json goes last
  list                                list the spiders
  settings [-s NAME=VALUE]...         show the effective settings (secrets masked) and where each came from
  settings --markdown                 print the documentation table of every setting
  help, --help                        show this text

Settings come from defaults, .env in the working directory, the environment, then -s (highest).
Exit codes: 0 run complete, 1 run failed or partial, 2 bad arguments or settings.
Examples:
  npm run crawl zoho
  npm run crawl zoho -- -s ZOHO_MODULE_WHITELIST=Leads,Contacts -s OUTPUT_LINES_PER_FILE=5000
  node execute-zoho.js -s LOG_LEVEL=debug`;

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

class UsageError extends Error {}

interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  overrides: string[];
  /** crawl: `--resume <RUN>` (that unfinished run) or `--no-resume` (always a new run). */
  resume?: { run: string } | 'never';
  /** crawl --plan: plan instead of crawling. */
  plan?: boolean;
  /** plan --json: one JSON object on stdout. */
  json?: boolean;
}

/** An argument as errors show it: what follows `=` may be a secret (`NAME=VALUE` typed without -s). */
function argShown(arg: string): string {
  const eq = arg.indexOf('=');
  return eq < 0 ? arg : `${arg.slice(0, eq)}=…`;
}

function unexpectedArgument(arg: string): string {
  return `unexpected argument ${JSON.stringify(argShown(arg))}${arg.includes('=') ? '; expected -s before NAME=VALUE' : ''}`;
}

const OPTIONS = {
  set: { type: 'string', short: 's', multiple: true },
  resume: { type: 'string' },
  'no-resume': { type: 'boolean' },
  markdown: { type: 'boolean' },
  plan: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The command line, read by node:util's parseArgs (non-strict, so that every refusal is ours: an
 * unknown option or a misplaced NAME=VALUE is named without what follows `=`, which may be a secret).
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const { tokens } = nodeParseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const positional: string[] = [];
  const overrides: string[] = [];
  let resume: ParsedArgs['resume'];
  let help = false;
  let markdown = false;
  const flags: Pick<ParsedArgs, 'plan' | 'json'> = {};
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positional.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const value = typeof t.value === 'string' ? t.value : undefined;
    switch (t.name) {
      case 'resume':
        if (value === undefined || !/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(value)) {
          throw new UsageError('--resume needs a run id after it, e.g. --resume 2026-01-31_12-00-00');
        }
        resume = { run: value };
        break;
      case 'no-resume':
        resume = 'never';
        break;
      case 'set':
        if (value === undefined) throw new UsageError(`${t.rawName} needs NAME=VALUE after it`);
        overrides.push(value);
        break;
      case 'markdown':
        markdown = true;
        break;
      case 'plan':
      case 'json':
        flags[t.name] = true;
        break;
      case 'help':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${argShown(t.rawName + (value === undefined ? '' : `=${value}`))}`);
    }
  }
  if (markdown) positional.push('markdown');
  if (help) positional.unshift('help');
  const [command, ...rest] = positional;
  return { command, positional: rest, overrides, resume, ...flags };
}

function load(args: ParsedArgs, io: CliIO): LoadedSettings {
  return loadSettings({ cwd: io.cwd, env: io.env, overrides: parseOverrides(args.overrides) });
}

function loggerFor(loaded: LoadedSettings, io: CliIO): Logger {
  addSecrets(secretValues(loaded.settings));
  const format = loaded.settings.LOG_FORMAT ?? defaultFormat(io.stderr);
  // On a terminal, log lines scroll above a live progress block that the engine redraws.
  const status = format === 'pretty' && (io.stderr as { isTTY?: boolean }).isTTY ? new StatusArea(io.stderr) : undefined;
  const logger = createLogger({ level: loaded.settings.LOG_LEVEL, format, stream: status?.stream ?? io.stderr });
  if (status) statusAreas.set(logger, status);
  return logger;
}

/** The status block that belongs to a logger's terminal, for the engine's progress display. */
const statusAreas = new WeakMap<Logger, StatusArea>();

/** The spider a command names (its one positional argument). */
function spiderArg(args: ParsedArgs, command: string): { name: string; spider: SpiderClass } {
  const name = args.positional[0];
  if (!name) throw new UsageError(`${command} needs a spider name; see \`list\``);
  const spider = SPIDERS[name];
  if (!spider) throw new UsageError(`no spider named ${JSON.stringify(argShown(name))}; expected one of: ${Object.keys(SPIDERS).join(', ') || '(none)'}`);
  if (args.positional.length > 1) throw new UsageError(unexpectedArgument(args.positional[1]));
  return { name, spider };
}

async function cmdCrawl(args: ParsedArgs, io: CliIO): Promise<number> {
  if (args.plan) return cmdPlan(args, io);
  if (args.json) throw new UsageError('--json is for plans; expected `plan <spider> --json` or `crawl <spider> --plan --json`');
  const { name, spider } = spiderArg(args, 'crawl');
  const loaded = load(args, io);
  const logger = loggerFor(loaded, io);
  let result;
  try {
    result = await crawl({ spider, settings: loaded.settings, logger, pipelines: PIPELINES, status: statusAreas.get(logger), resume: args.resume });
  } catch (error) {
    await flush(logger);
    if (error instanceof ResumeError) throw new UsageError(error.message);
    throw error;
  }
  const level = result.status === 'complete' ? 'info' : 'error';
  logger.log(level, `run ${result.runId} ${result.status}`, { runDir: result.runDir, items: result.items });
  for (const e of result.report.errors) logger.error(e.message.startsWith(`${e.scope}: `) ? e.message : `${e.scope}: ${e.message}`);
  // Last, so it is the line a reader sees: why the run stopped and what to do about it.
  if (result.report.stoppedBy !== undefined) logger.error(`${name}: ${result.report.stoppedBy}`);
  await flush(logger);
  return exitCodeOf(result.status);
}

/** The plan on stdout (text, or with --json one JSON object); the log (what it asked) on stderr. */
async function cmdPlan(args: ParsedArgs, io: CliIO): Promise<number> {
  const { name, spider } = spiderArg(args, 'plan');
  if (!spider.plan) throw new UsageError(`the spider ${name} has no plan; expected a spider that can tell its cost beforehand, such as zoho`);
  const loaded = load(args, io);
  const problems = spider.checkSettings?.(loaded.settings) ?? [];
  if (problems.length) throw new SettingsError(problems);
  const logger = loggerFor(loaded, io);
  try {
    const plan = await spider.plan(loaded.settings, logger);
    // Redacted like every log line: a name from the API could hold nothing secret, but a message might.
    io.stdout.write(`${redactKnown(args.json ? JSON.stringify(plan.json) : plan.text)}\n`);
    return EXIT.ok;
  } finally {
    await flush(logger);
  }
}

async function cmdUpload(args: ParsedArgs, io: CliIO): Promise<number> {
  const folder = args.positional[0];
  if (!folder) throw new UsageError('upload needs a run folder, e.g. exports/2026-01-31_12-00-00');
  if (args.positional.length > 1) throw new UsageError(unexpectedArgument(args.positional[1]));
  const loaded = load(args, io);
  const logger = loggerFor(loaded, io);
  try {
    const result = await uploadRun({ runDir: resolve(io.cwd, folder), settings: loaded.settings, logger });
    await flush(logger);
    return result.complete ? EXIT.ok : EXIT.incomplete;
  } catch (error) {
    await flush(logger);
    if (error instanceof NotARunFolderError) throw new UsageError(error.message);
    throw error;
  }
}

function cmdList(io: CliIO): number {
  for (const name of Object.keys(SPIDERS)) io.stdout.write(`${name}\n`);
  return EXIT.ok;
}

function cmdSettings(args: ParsedArgs, io: CliIO): number {
  if (args.positional[0] === 'markdown') {
    io.stdout.write(`${renderSettingsTable()}\n`);
    return EXIT.ok;
  }
  const loaded = load(args, io);
  const values = describeSettings(loaded.settings);
  const width = Math.max(...SETTINGS_DOCS.map((d) => d.name.length));
  for (const d of SETTINGS_DOCS) {
    // An unset value that has a documented meaning (ZOHO_MODULE_WHITELIST: ALL) shows that meaning.
    const value = values[d.name] ?? d.defaultText;
    io.stdout.write(`${d.name.padEnd(width)}  ${value ?? '(unset)'}  [${loaded.sources[d.name]}]\n`);
  }
  return EXIT.ok;
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'crawl':
        return await cmdCrawl(args, io);
      case 'plan':
        return await cmdPlan(args, io);
      case 'upload':
        return await cmdUpload(args, io);
      case 'list':
        return cmdList(io);
      case 'settings':
        return cmdSettings(args, io);
      case 'help':
      case undefined:
        io.stdout.write(`${USAGE}\n`);
        return args.command === 'help' ? EXIT.ok : EXIT.usage;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(argShown(args.command))}; expected crawl, plan, upload, list, settings or help`);
    }
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const line of error.problems) io.stderr.write(`setting ${line}\n`);
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`error: ${redactKnown(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT.incomplete;
  }
}

function flush(logger: Logger): Promise<void> {
  return new Promise((done) => {
    logger.on('finish', () => done());
    logger.end();
  });
}

/** True when this module is the process's entry point (node dist/cli.js), not imported. */
export function isEntry(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(metaUrl));
  } catch {
    return false;
  }
}

/**
 * V8 lets the old generation grow to up to ~4x what survived the last full collection when allocation
 * is fast. A crawl allocates fast and keeps little (records are promoted while they wait for the
 * pipelines, then die), so RSS climbed with the run's length (167 MB at 10k records, 373 MB at 1M)
 * while the live heap stayed ~50 MB. Growing by at most 1.5x keeps RSS flat at a small CPU cost (more,
 * shorter full collections). Not a cap: the heap still grows as far as a large org needs. Takes
 * effect at run time (checked: the limit follows it), so `node execute-zoho.js` gets it too; a
 * growth or heap-size flag given by the user (command line or NODE_OPTIONS) is left alone.
 */
export function tuneHeapGrowth(): void {
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (/--(heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/.test(given)) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
const HEAP_GROWING_PERCENT = 50;

/** Runs main and exits with its code once output is flushed (Crawlee may leave timers behind). */
export async function runAsProcess(argv: string[]): Promise<void> {
  tuneHeapGrowth();
  quietSdkNodeNotice();
  const code = await main(argv);
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * The AWS SDK warns on every run that its releases after January 2027 will need Node 22: nothing a
 * user can act on mid-crawl (package.json states the Node range), and it would land in cron mail
 * nightly. The SDK's own switch turns it off unless the user set it.
 */
export function quietSdkNodeNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

if (isEntry(import.meta.url)) void runAsProcess(process.argv.slice(2));

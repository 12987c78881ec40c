// The engine's side of crash resume for a resumable spider: find an unfinished run of the spider,
// decide whether to continue it, prepare ctx (run id, folder, start, ctx.resume) and the marker.
import { dirname, join } from 'node:path';
import { ResumeError, type CrawlContext, type ResumedStem, type StemToResume } from '../core/context.js';
import type { LineItem } from '../core/items.js';
import { SettingsError, type SettingName } from '../settings.js';
import { changedSettings, markerPath, OUTPUT_SHAPING_SETTINGS, readMarker, RunMarker, stillRunning } from './run-marker.js';
import { describeResume, planResume } from './resume-plan.js';

/** auto: continue an unfinished run if there is one; never: always a new run; {run}: continue that one. */
export type ResumeMode = 'auto' | 'never' | { run: string };

/** The output stage's answer to "what had you committed of this stem?" (PipelineChain.committed). */
export type AskCommitted = (stem: StemToResume, onKeptLine: (item: LineItem) => void) => Promise<ResumedStem>;

export interface ResumeHooks {
  /** The spider's settings that shape its output (the framework's are added). */
  shaping: readonly SettingName[];
  /** Told of every line the earlier attempt stored and this one keeps, in order. */
  onKeptLine: (item: LineItem) => void;
  committed: AskCommitted;
}

export async function startRunMarker(ctx: CrawlContext, mode: ResumeMode, { shaping: own, onKeptLine, committed }: ResumeHooks): Promise<RunMarker> {
  const shaping = [...OUTPUT_SHAPING_SETTINGS, ...own];
  const { logger, settings } = ctx;
  const prior = await readMarker(ctx.stateDir, ctx.spiderName);
  if (typeof mode === 'object') {
    if (!prior) {
      throw new ResumeError(
        `--resume ${mode.run}: there is no unfinished run of ${ctx.spiderName} in ${dirname(ctx.runDir)}; expected the run a killed crawl left`,
      );
    }
    if (prior.run !== mode.run) throw new ResumeError(`--resume ${mode.run}: the unfinished run of ${ctx.spiderName} is ${prior.run}; expected that one`);
  }
  if (prior && stillRunning(prior)) {
    throw new ResumeError(
      `run ${prior.run} of ${ctx.spiderName} is under way in process ${prior.pid} on this machine; ` +
        'expected one crawl of a spider at a time per LOCAL_OUTPUT_DIRECTORY ' +
        `(if that process is no crawl, delete ${markerPath(ctx.stateDir, ctx.spiderName)})`,
    );
  }
  if (prior && prior.spider !== ctx.spiderName) {
    throw new ResumeError(`the run marker for ${ctx.spiderName} names spider ${prior.spider}; expected its own name`);
  }
  if (!prior || mode === 'never') {
    if (prior) logger.warn(`an unfinished run ${prior.run} of ${ctx.spiderName} is left as it is (--no-resume); starting a new run`);
    const marker = RunMarker.fresh(ctx, shaping);
    await marker.begin();
    return marker;
  }
  const changed = changedSettings(prior, settings, shaping);
  if (changed.length) {
    throw new SettingsError(
      changed.map((c) => `${c}: differs from the unfinished run ${prior.run}; expected the same value to resume it, or --no-resume to start a new run`),
    );
  }
  ctx.runId = prior.run;
  ctx.startedAt = new Date(prior.started_at);
  ctx.runDir = join(dirname(ctx.runDir), prior.run);
  const resume = await planResume({
    marker: prior,
    runDir: ctx.runDir,
    logger,
    committed: (stem) => committed(stem, onKeptLine),
  });
  ctx.resume = resume;
  const marker = RunMarker.continued(ctx, prior, resume.done);
  await marker.begin();
  logger.warn(
    `RESUMING run ${prior.run} of ${ctx.spiderName} (started ${prior.started_at}, attempt ${prior.attempts + 1}): ${describeResume(resume)}`,
    { runDir: ctx.runDir },
  );
  return marker;
}

